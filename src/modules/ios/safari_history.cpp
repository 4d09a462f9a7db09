// Safari History.db: every page visit (history_items = URLs, history_visits =
// visits with their time and redirect links). Location:
// `Library/Safari/History.db` in HomeDomain (and in any other domain listing
// that path), plus one database per Safari profile (iOS 17+) at
// `Library/Safari/Profiles/<UUID>/History.db`; all are found through
// Manifest.db. Times are Cocoa seconds (REAL, since 2001-01-01). Visits to IOC
// domains are the classic trace of a one-click exploit link; a fast HTTP
// redirect to another host is the trace of a network injection (Pegasus'
// "network injection attacks", Amnesty 2021), raised even without indicators.
#include "core/json_out.hpp"
#include "core/text.hpp"
#include "core/url.hpp"
#include "modules/ios/common.hpp"
#include "modules/ios/web_util.hpp"

namespace vigil::modules::ios {

namespace {

constexpr std::string_view kProfiles[] = {"Library/Safari/Profiles/%/History.db"};

// The host used to tell an HTTPS upgrade (same site) from a redirect elsewhere:
// the URL's canonical host without one leading "www." label; nullopt when the
// URL does not parse.
std::optional<std::string> site_host(std::string_view url) {
  auto parsed = core::parse_url(url);
  if (!parsed) return std::nullopt;
  std::string host = parsed->host.name;
  if (parsed->host.kind == core::HostKind::domain && host.size() > 4 &&
      host.compare(0, 4, "www.") == 0)
    host.erase(0, 4);
  return host;
}

// A visit's record as JSON text (no tree: History.db may hold millions of visits).
void write_visit(std::string& out, const core::Statement& row, const std::string& db_rel) {
  core::JsonObject r(out);
  append_column_json(r.member("id"), row, 0);
  append_column_json(r.member("url"), row, 1);
  append_column_json(r.member("visit_id"), row, 2);
  append_column_json(r.member("timestamp"), row, 3);
  append_iso_or_null(r.member("isodate"), cocoa_column(row, 3));
  append_column_json(r.member("redirect_source"), row, 4);
  append_column_json(r.member("redirect_destination"), row, 5);
  r.string("safari_history_db", db_rel);
  r.close();
}

void process_db(ModuleContext& ctx, const vfs::BackupFile& file) {
  std::string what = file.domain + "/" + file.relative_path;
  auto db = open_db_id(ctx, file.file_id, what);
  if (!db) return;
  if (!db->has_table("history_items") || !db->has_table("history_visits") ||
      !db->has_column("history_visits", "visit_time") ||
      !db->has_column("history_visits", "history_item")) {
    ctx.warn(what + ": no history_items/history_visits tables (schema not recognised)");
    return;
  }
  const bool redirects = db->has_column("history_visits", "redirect_source") &&
                         db->has_column("history_visits", "redirect_destination");
  const bool synthesized = db->has_column("history_visits", "synthesized");
  const std::string db_rel = web::payload_rel_path(file.file_id);
  std::string error;
  // Each visit looks its item up by id, in no particular order: with SQLite's default 2 MB page
  // cache, most of those are reads (180,000 for 280,000 visits). 8 MB holds the items table of a
  // history of 90,000 sites; memory is only taken for the pages read.
  if (auto pragma = db->prepare("PRAGMA cache_size = -8192", error)) pragma->step();
  auto row =
      db->prepare(std::string("SELECT history_items.id, history_items.url, history_visits.id, "
                              "history_visits.visit_time, ") +
                      (redirects ? "history_visits.redirect_source, "
                                   "history_visits.redirect_destination "
                                 : "NULL, NULL ") +
                      // MVT's join and order, but the visits are read in rowid order: through
                      // Safari's history_visits__last_visit index, SQLite's plan for MVT's
                      // query, each visit is a random read (about 190,000 reads of a 10,633-page
                      // file for 280,000 visits). The extra sort keys keep ties in that index's
                      // order.
                      "FROM history_visits NOT INDEXED CROSS JOIN history_items ON "
                      "history_visits.history_item = history_items.id "
                      "ORDER BY history_visits.visit_time, history_visits.history_item" +
                      (synthesized ? ", history_visits.synthesized" : "") + ", history_visits.id",
                  error);
  if (!row) {
    ctx.warn(what + ": " + error);
    return;
  }
  std::string record, data;  // reused from row to row
  while (row->step()) {
    record.clear();
    write_visit(record, *row, db_rel);
    auto when = cocoa_column(*row, 3);
    data.assign("Safari visit to ");
    append_column_json_string(data, *row, 1);
    data += " (ID: ";
    append_column_py_str(data, *row, 0);
    data += ", Visit ID: ";
    append_column_py_str(data, *row, 2);
    data += ')';
    ctx.timeline(when, "safari_history", data);
    ctx.check_url(row->bytes(1), EventRef::text(record), Level::critical, when);
    ctx.emit_text(record);
  }
  if (!row->error().empty()) {
    ctx.warn(what + ": " + row->error() + " (rows after it are missing)");
    return;
  }
  if (!redirects) return;

  // Network-injection heuristic: an http:// visit redirected to another host in
  // under a second. The destination is looked up by its primary key, in this
  // database only.
  auto pair = db->prepare(
      "SELECT oi.id, oi.url, o.id, o.visit_time, "
      "o.redirect_source, o.redirect_destination, "
      "d.visit_time, di.url FROM history_visits o "
      "JOIN history_items oi ON oi.id = o.history_item "
      "JOIN history_visits d ON d.id = o.redirect_destination "
      "JOIN history_items di ON di.id = d.history_item "
      "WHERE o.redirect_destination IS NOT NULL AND "
      "o.redirect_destination != 0 "
      "AND oi.url LIKE 'http://%' ORDER BY o.visit_time",
      error);
  if (!pair) {
    ctx.warn(what + ": " + error);
    return;
  }
  while (pair->step()) {
    std::string_view origin_url = pair->bytes(1);
    std::string_view target_url = pair->bytes(7);
    if (site_host(origin_url) == site_host(target_url)) continue;  // an HTTPS upgrade
    auto origin_time = cocoa_column(*pair, 3);
    auto target_time = cocoa_column(*pair, 6);
    if (!origin_time || !target_time) continue;
    core::Micros elapsed = *target_time - *origin_time;
    if (elapsed < 0 || elapsed >= 1000000) continue;
    record.clear();
    write_visit(record, *pair, db_rel);
    ctx.alert(
        Level::medium,
        "Redirect took less than a second! (" + web::python_millis(elapsed) + " milliseconds)",
        origin_time, EventRef::text(record));
  }
  if (!pair->error().empty())
    ctx.warn(what + ": " + pair->error() + " (redirect check incomplete)");
}

void run(ModuleContext& ctx) {
  std::vector<vfs::BackupFile> files;
  web::append_files(files, ctx.backup().find_path("Library/Safari/History.db"));
  web::append_files(files, ctx.backup().find_path_like(kProfiles[0]));
  if (files.empty()) {
    ctx.not_found(
        "Library/Safari/History.db (no Manifest row, in any domain "
        "or profile)");
    return;
  }
  for (const auto& file : files) process_db(ctx, file);
}

}  // namespace

extern const ModuleSpec kSafariHistory{"safari_history",
                                       "SafariHistory",
                                       "Safari visits (all profiles); fast HTTP redirects",
                                       run,
                                       false,
                                       kProfiles};

}  // namespace vigil::modules::ios
