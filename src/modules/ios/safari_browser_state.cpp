// Safari BrowserState.db: the open tabs (title, URL, last viewed time) and, per
// tab, the back/forward list in `session_data`. Location:
// `Library/Safari/BrowserState.db` (HomeDomain, or any domain listing that
// path) and one database per Safari profile (iOS 17+) at
// `Library/Safari/Profiles/<UUID>/BrowserState.db`, found through Manifest.db.
// iOS 12+ keeps the session blob in `tab_sessions` (joined on the tab UUID);
// older versions in `tabs` itself. The blob is a 4-byte header followed by a
// binary plist (SessionHistory.SessionHistoryEntries). Times are Cocoa seconds.
// A tab or history entry on an IOC domain is an exploit-link trace that
// survives history clearing as long as the tab stays open.
#include "core/text.hpp"
#include "modules/ios/common.hpp"
#include "modules/ios/web_util.hpp"

namespace vigil::modules::ios {

namespace {

constexpr std::string_view kProfiles[] = {"Library/Safari/Profiles/%/BrowserState.db"};

Json string_or_null(core::PlistRef value) {
  auto s = value.string();
  if (!s) return nullptr;
  return core::utf8_or_escaped(*s);
}

// The back/forward entries of one tab; false when the blob is not a readable
// plist.
bool session_entries(std::string_view blob, Json& entries) {
  if (blob.size() <= 4) return false;
  std::string error;
  auto plist = core::Plist::parse(blob.substr(4), error);
  if (!plist) return false;
  core::PlistRef list = plist->root()["SessionHistory"]["SessionHistoryEntries"];
  if (!list.is_array()) return true;
  for (std::size_t i = 0; i < list.size(); ++i) {
    core::PlistRef entry = list.at(i);
    Json e;
    e["entry_title"] = string_or_null(entry["SessionHistoryEntryTitle"]);
    e["entry_url"] = string_or_null(entry["SessionHistoryEntryURL"]);
    e["entry_original_url"] = string_or_null(entry["SessionHistoryEntryOriginalURL"]);
    auto data = entry["SessionHistoryEntryData"].data();
    e["data_length"] = data ? data->size() : 0;
    entries.push_back(std::move(e));
  }
  return true;
}

void process_db(ModuleContext& ctx, const vfs::BackupFile& file) {
  std::string what = file.domain + "/" + file.relative_path;
  auto db = open_db_id(ctx, file.file_id, what);
  if (!db) return;
  if (!db->has_table("tabs")) {
    ctx.warn(what + ": no tabs table (schema not recognised)");
    return;
  }
  auto column = [&](std::string_view table, std::string_view name) {
    return db->has_column(table, name) ? std::string(table) + "." + std::string(name)
                                       : std::string("NULL");
  };
  std::string tab_columns = column("tabs", "title") + ", " + column("tabs", "url") + ", " +
                            column("tabs", "user_visible_url") + ", " +
                            column("tabs", "last_viewed_time") + ", ";
  std::string sql;
  if (db->has_table("tab_sessions") && db->has_column("tab_sessions", "tab_uuid") &&
      db->has_column("tabs", "uuid")) {  // iOS 12+
    sql = "SELECT " + tab_columns + column("tab_sessions", "session_data") +
          " FROM tabs JOIN tab_sessions ON tabs.uuid = tab_sessions.tab_uuid";
  } else {  // older: the session blob in tabs
    sql = "SELECT " + tab_columns + column("tabs", "session_data") + " FROM tabs";
  }
  if (db->has_column("tabs", "last_viewed_time")) sql += " ORDER BY tabs.last_viewed_time";
  std::string error;
  auto row = db->prepare(sql, error);
  if (!row) {
    ctx.warn(what + ": " + error);
    return;
  }
  const std::string db_rel = web::payload_rel_path(file.file_id);
  std::size_t unreadable = 0;
  while (row->step()) {
    Json entries = Json::array();
    if (row->type(4) == SQLITE_BLOB && !session_entries(row->bytes(4), entries)) ++unreadable;
    auto when = cocoa_column(*row, 3);
    Json r;
    r["tab_title"] = column_json(*row, 0);
    r["tab_url"] = column_json(*row, 1);
    r["tab_visible_url"] = column_json(*row, 2);
    r["last_viewed_timestamp"] = iso_or_null(when);
    r["session_data"] = entries;
    r["safari_browser_state_db"] = db_rel;
    ctx.timeline(when, "tab", json_string(r["tab_title"]) + " - " + json_string(r["tab_url"]));
    if (!ctx.check_url(row->bytes(1), r, Level::critical, when)) {
      for (const auto& e : entries) {
        std::string url = json_string(e["entry_url"]);
        std::string original = json_string(e["entry_original_url"]);
        if (!ctx.check_url(url, r, Level::critical, when) && original != url)
          ctx.check_url(original, r, Level::critical, when);
      }
    }
    ctx.emit(r);
  }
  if (!row->error().empty()) ctx.warn(what + ": " + row->error() + " (rows after it are missing)");
  if (unreadable > 0)
    ctx.warn(what + ": " + std::to_string(unreadable) +
             " session_data blob(s) are not a header + property list (history "
             "entries skipped)");
}

void run(ModuleContext& ctx) {
  std::vector<vfs::BackupFile> files;
  web::append_files(files, ctx.backup().find_path("Library/Safari/BrowserState.db"));
  web::append_files(files, ctx.backup().find_path_like(kProfiles[0]));
  if (files.empty()) {
    ctx.not_found(
        "Library/Safari/BrowserState.db (no Manifest row, in any "
        "domain or profile)");
    return;
  }
  for (const auto& file : files) process_db(ctx, file);
}

}  // namespace

extern const ModuleSpec kSafariBrowserState{"safari_browser_state",
                                            "SafariBrowserState",
                                            "Safari open tabs and their back/forward history",
                                            run,
                                            false,
                                            kProfiles};

}  // namespace vigil::modules::ios
