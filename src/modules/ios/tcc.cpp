// TCC.db: the privacy permissions (camera, microphone, location…) granted or denied to apps.
// Location: HomeDomain Library/TCC/TCC.db. Three schemas: iOS 14+ (auth_value, auth_reason,
// last_modified), iOS 12–13 (allowed, prompt_count, last_modified), older (allowed,
// prompt_count). Times are Unix seconds. A spyware process holding permissions shows up here.
#include "modules/ios/common.hpp"

namespace vigil::modules::ios {

namespace {

std::string_view auth_value(std::int64_t v) {
  switch (v) {
    case 0:
      return "denied";
    case 1:
      return "unknown";
    case 2:
      return "allowed";
    case 3:
      return "limited";
    default:
      return "";
  }
}

std::string_view auth_reason(std::int64_t v) {
  static constexpr std::string_view kReasons[] = {"",
                                                  "error",
                                                  "user_consent",
                                                  "user_set",
                                                  "system_set",
                                                  "service_policy",
                                                  "mdm_policy",
                                                  "override_policy",
                                                  "missing_usage_string",
                                                  "prompt_timeout",
                                                  "preflight_unknown",
                                                  "entitled",
                                                  "app_type_policy"};
  if (v >= 1 && v <= 12) return kReasons[v];
  return "unknown";
}

void run(ModuleContext& ctx) {
  auto db = open_db(ctx, "HomeDomain", "Library/TCC/TCC.db");
  if (!db) return;
  if (!db->has_table("access")) {
    ctx.warn("TCC.db: no access table (schema not recognised)");
    return;
  }
  const bool v3 = db->has_column("access", "auth_value");
  const bool has_modified = db->has_column("access", "last_modified");
  std::string sql =
      v3 ? "SELECT service, client, client_type, auth_value, auth_reason, last_modified "
           "FROM access"
      : has_modified ? "SELECT service, client, client_type, allowed, prompt_count, "
                       "last_modified FROM access"
                     : "SELECT service, client, client_type, allowed, prompt_count, "
                       "NULL FROM access";
  std::string error;
  auto row = db->prepare(sql, error);
  if (!row) {
    ctx.warn("TCC.db: " + error);
    return;
  }
  while (row->step()) {
    Json r;
    r["service"] = column_json(*row, 0);
    r["client"] = column_json(*row, 1);
    r["client_type"] = row->integer(2) == 0 ? "bundle_id" : "absolute_path";
    std::string status;
    if (v3) {
      status = std::string(auth_value(row->integer(3)));
      r["auth_value"] = status;
      r["auth_reason_desc"] = std::string(auth_reason(row->integer(4)));
    } else {
      status = row->integer(3) == 0 ? "denied" : "allowed";
      r["allowed_value"] = status;
      r["prompt_count"] = column_json(*row, 4);
    }
    auto modified = unix_column(*row, 5);
    if (v3 || has_modified) r["last_modified"] = iso_or_null(modified);
    std::string service = r["service"].is_string() ? r["service"].get<std::string>() : "";
    std::string client = r["client"].is_string() ? r["client"].get<std::string>() : "";
    ctx.timeline(modified, "AccessRequest",
                 "Access to " + service + " by " + client + " " + status);
    ctx.check_process(client, r);
    ctx.emit(r);
  }
  if (!row->error().empty()) ctx.warn("TCC.db: " + row->error() + " (rows after it are missing)");
}

}  // namespace

extern const ModuleSpec kTcc{"tcc", "TCC", "Privacy permissions granted to apps (TCC.db)", run};

}  // namespace vigil::modules::ios
