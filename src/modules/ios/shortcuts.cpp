// Shortcuts.sqlite: the user's Shortcuts (Siri Shortcuts / Workflow) with their
// creation and modification times and, in ZSHORTCUTACTIONS.ZDATA, the action
// list as a binary plist (WFWorkflowActionIdentifier +
// WFWorkflowActionParameters per action). Location: HomeDomain
// `Library/Shortcuts/Shortcuts.sqlite` (Core Data; times are Cocoa seconds). A
// shortcut can fetch or open URLs automatically (and be triggered by
// automations), so URLs of IOC domains in actions matter. URLs are found by
// walking every string value of the parameters.
#include "core/text.hpp"
#include "core/url.hpp"
#include "modules/ios/common.hpp"
#include "modules/ios/web_util.hpp"

namespace vigil::modules::ios {

namespace {

struct Actions {
  Json urls = nullptr;           ///< null when there is no readable action list (MVT's shape)
  std::vector<std::string> raw;  ///< the same links as found, for the indicator checks
  std::size_t count = 0;
};

Actions parse_actions(std::string_view blob) {
  Actions out;
  if (blob.empty()) return out;
  std::string error;
  auto plist = core::Plist::parse(blob, error);
  if (!plist) return out;
  out.urls = Json::array();
  auto collect = [&](std::string_view text) {
    for (auto& link : core::extract_links(text)) {
      out.urls.push_back(core::utf8_or_escaped(link.text));
      out.raw.push_back(std::move(link.text));
    }
  };
  core::PlistRef root = plist->root();
  if (root.is_array()) {
    out.count = root.size();
    for (std::size_t i = 0; i < root.size(); ++i) {
      core::PlistRef action = root.at(i);
      core::PlistRef params = action["WFWorkflowActionParameters"];
      web::for_each_string(params.valid() ? params : action, collect);
    }
  } else {
    web::for_each_string(root, collect);
  }
  return out;
}

void run(ModuleContext& ctx) {
  const std::string what = "HomeDomain/Library/Shortcuts/Shortcuts.sqlite";
  auto db = open_db(ctx, "HomeDomain", "Library/Shortcuts/Shortcuts.sqlite");
  if (!db) return;
  if (!db->has_table("ZSHORTCUT") || !db->has_column("ZSHORTCUT", "Z_PK")) {
    ctx.warn(what + ": no ZSHORTCUT table (schema not recognised)");
    return;
  }
  auto column = [&](std::string_view table, std::string_view name) {
    return db->has_column(table, name) ? std::string(table) + "." + std::string(name)
                                       : std::string("NULL");
  };
  const bool actions = db->has_table("ZSHORTCUTACTIONS") &&
                       db->has_column("ZSHORTCUTACTIONS", "ZSHORTCUT") &&
                       db->has_column("ZSHORTCUTACTIONS", "ZDATA");
  std::string sql = "SELECT ZSHORTCUT.Z_PK, " + column("ZSHORTCUT", "ZNAME") + ", " +
                    column("ZSHORTCUT", "ZCREATIONDATE") + ", " +
                    column("ZSHORTCUT", "ZMODIFICATIONDATE") + ", " +
                    column("ZSHORTCUT", "ZACTIONSDESCRIPTION") + ", " +
                    (actions ? "ZSHORTCUTACTIONS.ZDATA FROM ZSHORTCUT LEFT JOIN ZSHORTCUTACTIONS "
                               "ON ZSHORTCUTACTIONS.ZSHORTCUT = ZSHORTCUT.Z_PK"
                             : "NULL FROM ZSHORTCUT");
  std::string error;
  auto row = db->prepare(sql, error);
  if (!row) {
    ctx.warn(what + ": " + error);
    return;
  }
  while (row->step()) {
    Actions parsed =
        parse_actions(row->type(5) == SQLITE_BLOB ? row->bytes(5) : std::string_view());
    auto created = cocoa_column(*row, 2);
    auto modified = cocoa_column(*row, 3);
    Json r;
    r["shortcut_id"] = column_json(*row, 0);
    r["shortcut_name"] = column_json(*row, 1);
    r["modified_date"] = iso_or_null(modified);
    r["description"] = column_json(*row, 4);
    r["parsed_actions"] = parsed.count;
    r["action_urls"] = parsed.urls;
    r["isodate"] = iso_or_null(created);
    std::string urls;
    for (const auto& u : parsed.urls) urls += (urls.empty() ? "" : ", ") + u.get<std::string>();
    std::string data = "iOS Shortcut '" + json_string(r["shortcut_name"]) +
                       "': " + json_string(r["description"]) + " " +
                       (urls.empty() ? "" : "- URLs in actions: " + urls);
    ctx.timeline(created, "shortcut_created", data);
    ctx.timeline(modified, "shortcut_modified", data);
    for (const auto& u : parsed.raw)
      if (ctx.check_url(u, r, Level::critical, created)) break;
    ctx.emit(r);
  }
  if (!row->error().empty()) ctx.warn(what + ": " + row->error() + " (rows after it are missing)");
}

}  // namespace

extern const ModuleSpec kShortcuts{"shortcuts", "Shortcuts",
                                   "Shortcuts and the URLs their actions use", run};

}  // namespace vigil::modules::ios
