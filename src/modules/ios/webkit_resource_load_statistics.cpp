// WebKit ResourceLoadStatistics observations.db (Intelligent Tracking
// Prevention): every registrable domain a WebKit view loaded something from,
// when it was last seen and whether the user interacted with it. One database
// per app using WebKit: `Library/WebKit/WebsiteData/
// ResourceLoadStatistics/observations.db` in Safari's and every app's container
// (all Manifest rows with that path, any domain). `ObservedDomains` times are
// Unix seconds (REAL); mostRecentUserInteractionTime (iOS 14+) and
// mostRecentWebPushInteractionTime (iOS 16.4+) are optional columns, -1 or 0
// when unset. A domain loaded even once (a redirect, a hidden iframe of an
// exploit chain) stays here after history is cleared.
#include "core/text.hpp"
#include "modules/ios/common.hpp"
#include "modules/ios/web_util.hpp"

namespace vigil::modules::ios {

namespace {

constexpr std::string_view kPath =
    "Library/WebKit/WebsiteData/ResourceLoadStatistics/observations.db";

void process_db(ModuleContext& ctx, const vfs::BackupFile& file) {
  std::string what = file.domain + "/" + file.relative_path;
  auto db = open_db_id(ctx, file.file_id, what);
  if (!db) return;
  for (std::string_view c : {"domainID", "registrableDomain", "lastSeen", "hadUserInteraction"}) {
    if (!db->has_column("ObservedDomains", c)) {
      ctx.warn(what + ": no ObservedDomains." + std::string(c) + " (schema not recognised)");
      return;
    }
  }
  const bool user = db->has_column("ObservedDomains", "mostRecentUserInteractionTime");
  const bool push = db->has_column("ObservedDomains", "mostRecentWebPushInteractionTime");
  std::string error;
  auto row = db->prepare(std::string("SELECT domainID, registrableDomain, lastSeen, "
                                     "hadUserInteraction, ") +
                             (user ? "mostRecentUserInteractionTime, " : "NULL, ") +
                             (push ? "mostRecentWebPushInteractionTime " : "NULL ") +
                             "FROM ObservedDomains",
                         error);
  if (!row) {
    ctx.warn(what + ": " + error);
    return;
  }
  const std::string domain = core::utf8_or_escaped(file.domain);
  const std::string path = core::utf8_or_escaped(file.relative_path);
  // An optional interaction time: the raw value, and its ISO form when it is
  // set (> 0).
  auto interaction = [&](Json& r, int column, const std::string& key) {
    r[key] = column_json(*row, column);
    if (row->type(column) == SQLITE_INTEGER || row->type(column) == SQLITE_FLOAT) {
      double v = row->real(column);
      if (v > 0)
        if (auto t = core::from_unix_seconds(v)) r[key + "_isodate"] = core::format_iso(*t);
    }
  };
  while (row->step()) {
    auto when = unix_column(*row, 2);
    Json r;
    r["domain_id"] = column_json(*row, 0);
    r["registrable_domain"] = column_json(*row, 1);
    r["last_seen"] = column_json(*row, 2);
    r["had_user_interaction"] = row->integer(3) != 0;
    r["last_seen_isodate"] = iso_or_null(when);
    r["domain"] = domain;
    r["path"] = path;
    if (user) interaction(r, 4, "most_recent_user_interaction_time");
    if (push) interaction(r, 5, "most_recent_web_push_interaction_time");
    std::string data = "Webkit resource loaded from " + json_string(r["registrable_domain"]);
    if (!domain.empty()) data += " by app in domain " + domain;
    ctx.timeline(when, "visit", std::move(data));
    ctx.check_url(row->bytes(1), r, Level::critical, when);
    ctx.emit(r);
  }
  if (!row->error().empty()) ctx.warn(what + ": " + row->error() + " (rows after it are missing)");
}

void run(ModuleContext& ctx) {
  std::vector<vfs::BackupFile> files;
  web::append_files(files, ctx.backup().find_path(kPath));
  if (files.empty()) {
    ctx.not_found(std::string(kPath) + " (no Manifest row, in any domain)");
    return;
  }
  for (const auto& file : files) process_db(ctx, file);
}

}  // namespace

extern const ModuleSpec kWebkitResourceLoadStatistics{
    "webkit_resource_load_statistics", "WebkitResourceLoadStatistics",
    "Domains WebKit views loaded resources from (observations.db, every app)", run};

}  // namespace vigil::modules::ios
