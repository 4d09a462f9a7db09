// Chromium `History` databases of the browsers built on Chrome for iOS: every
// visit (urls = pages, visits = visit time and the visit it came from).
// Locations (app containers, through Manifest.db): Google Chrome
// `AppDomain-com.google.chrome.ios` `Library/Application Support/
// Google/Chrome/Default/History` (MVT's file faf971ce…, used even without a
// Manifest row), Microsoft Edge `AppDomain-com.microsoft.msedge`
// `Library/Application Support/Microsoft/Edge/ Default/History` (+
// `Default-AAD` work profile; `…/ChromeSync/History` in older versions), Brave
// `Library/Application Support/Chromium/Default/History`, and any other app
// keeping a `…/<Default|Default-*|Profile *>/History` under Application
// Support. Times are WebKit microseconds since 1601-01-01. Visits to IOC
// domains are exploit-link traces; each record says which browser (bundle ID)
// it came from.
#include "core/json_out.hpp"
#include "core/text.hpp"
#include "modules/ios/common.hpp"
#include "modules/ios/web_util.hpp"

namespace vigil::modules::ios {

namespace {

constexpr std::string_view kChromeHistoryId = "faf971ce92c3ac508c018dce1bef2a8b8e9838f1";
// The Manifest pattern of Chromium History databases (web::chromium_databases).
constexpr std::string_view kChromiumProfiles[] = {"Library/Application Support/%/History"};

std::optional<core::Micros> webkit_column(const core::Statement& row, int column) {
  if (row.type(column) != SQLITE_INTEGER && row.type(column) != SQLITE_FLOAT) return std::nullopt;
  std::int64_t v = row.integer(column);
  if (v <= 0) return std::nullopt;  // unset, or before 1601
  return core::from_webkit_micros(v);
}

void process_db(ModuleContext& ctx, const web::BrowserDb& browser) {
  const vfs::BackupFile& file = browser.file;
  std::string what = file.domain + "/" + file.relative_path;
  auto db = open_db_id(ctx, file.file_id, what);
  if (!db) return;
  if (!db->has_table("urls") || !db->has_table("visits") || !db->has_column("urls", "url") ||
      !db->has_column("visits", "url") || !db->has_column("visits", "visit_time")) {
    ctx.warn(what + ": no urls/visits tables (schema not recognised)");
    return;
  }
  std::string from_visit = db->has_column("visits", "from_visit") ? "visits.from_visit" : "NULL";
  std::string error;
  auto row = db->prepare("SELECT urls.id, urls.url, visits.id, visits.visit_time, " + from_visit +
                             " FROM urls JOIN visits ON visits.url = urls.id "
                             "ORDER BY visits.visit_time",
                         error);
  if (!row) {
    ctx.warn(what + ": " + error);
    return;
  }
  const std::string where = core::utf8_or_escaped(what);
  const std::string browser_id = core::utf8_or_escaped(browser.browser);
  const std::string suffix = web::browser_suffix(browser);
  std::string record, data;  // reused from row to row: records are written as JSON text
  while (row->step()) {
    auto when = webkit_column(*row, 3);
    record.clear();
    core::JsonObject r(record);
    append_column_json(r.member("id"), *row, 0);
    append_column_json(r.member("url"), *row, 1);
    append_column_json(r.member("visit_id"), *row, 2);
    append_column_json(r.member("timestamp"), *row, 3);
    append_iso_or_null(r.member("isodate"), when);
    append_column_json(r.member("redirect_source"), *row, 4);
    r.string("browser", browser_id).string("db_path", where).close();
    data.clear();
    append_column_py_str(data, *row, 0);
    data += " - ";
    append_column_json_string(data, *row, 1);
    data += " (visit ID: ";
    append_column_py_str(data, *row, 2);
    data += ", redirect source: ";
    append_column_py_str(data, *row, 4);
    data += ')';
    data += suffix;
    ctx.timeline(when, "visit", data);
    ctx.check_url(row->bytes(1), EventRef::text(record), Level::critical, when);
    ctx.emit_text(record);
  }
  if (!row->error().empty()) ctx.warn(what + ": " + row->error() + " (rows after it are missing)");
}

void run(ModuleContext& ctx) {
  web::for_each_chromium_database(ctx, kChromiumProfiles[0], kChromeHistoryId, process_db);
}

}  // namespace

extern const ModuleSpec kChromeHistory{
    "chrome_history", "ChromeHistory", "Chrome, Edge, Brave… visits (Chromium History)", run, false,
    kChromiumProfiles};

}  // namespace vigil::modules::ios
