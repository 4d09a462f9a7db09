// Chromium `Favicons` databases of the browsers built on Chrome for iOS: which
// page showed which icon and when it was fetched (icon_mapping = page → icon,
// favicons = icon URL, favicon_bitmaps = last_updated / last_requested). Same
// locations as ChromeHistory (Chrome's `Library/Application
// Support/Google/Chrome/Default/Favicons`, MVT's file 55680ab8…; Edge's
// `Microsoft/Edge/Default[-AAD]/Favicons` or `ChromeSync/Favicons`; Brave's
// `Chromium/Default/ Favicons`). Times are WebKit microseconds since 1601.
// Favicons outlive cleared history, so a page on an IOC domain can still show
// here.
#include "core/text.hpp"
#include "modules/ios/common.hpp"
#include "modules/ios/web_util.hpp"

namespace vigil::modules::ios {

namespace {

constexpr std::string_view kChromeFaviconsId = "55680ab883d0fdcffd94f959b1632e5fbbb18c5b";
// The Manifest pattern of Chromium Favicons databases (web::chromium_databases).
constexpr std::string_view kChromiumProfiles[] = {"Library/Application Support/%/Favicons"};

void process_db(ModuleContext& ctx, const web::BrowserDb& browser) {
  const vfs::BackupFile& file = browser.file;
  std::string what = file.domain + "/" + file.relative_path;
  auto db = open_db_id(ctx, file.file_id, what);
  if (!db) return;
  if (!db->has_table("icon_mapping") || !db->has_table("favicon_bitmaps") ||
      !db->has_table("favicons") || !db->has_column("icon_mapping", "page_url") ||
      !db->has_column("icon_mapping", "icon_id") || !db->has_column("favicon_bitmaps", "icon_id") ||
      !db->has_column("favicons", "url")) {
    ctx.warn(what +
             ": no icon_mapping/favicon_bitmaps/favicons tables (schema "
             "not recognised)");
    return;
  }
  auto column = [&](std::string_view name) {
    return db->has_column("favicon_bitmaps", name) ? "favicon_bitmaps." + std::string(name)
                                                   : std::string("0");
  };
  // The icon's time: last_updated, or last_requested when that is 0 (MVT's
  // rule), records in time order (ties in icon_mapping order, as MVT's stable
  // sort leaves them).
  std::string when_sql = "CASE WHEN IFNULL(" + column("last_updated") + ", 0) != 0 THEN " +
                         column("last_updated") + " ELSE IFNULL(" + column("last_requested") +
                         ", 0) END";
  std::string error;
  auto row = db->prepare("SELECT icon_mapping.page_url, favicons.url, " + when_sql +
                             " AS t FROM icon_mapping "
                             "JOIN favicon_bitmaps ON icon_mapping.icon_id = "
                             "favicon_bitmaps.icon_id "
                             "JOIN favicons ON icon_mapping.icon_id = favicons.id "
                             "ORDER BY t, icon_mapping.id",
                         error);
  if (!row) {
    ctx.warn(what + ": " + error);
    return;
  }
  const std::string where = core::utf8_or_escaped(what);
  const std::string suffix = web::browser_suffix(browser);
  while (row->step()) {
    std::int64_t t = row->integer(2);
    std::optional<core::Micros> when;
    if (t > 0) when = core::from_webkit_micros(t);
    Json r;
    r["url"] = column_json(*row, 0);
    r["icon_url"] = column_json(*row, 1);
    r["timestamp"] = t;
    r["isodate"] = iso_or_null(when);
    r["browser"] = core::utf8_or_escaped(browser.browser);
    r["db_path"] = where;
    ctx.timeline(when, "new_favicon",
                 json_string(r["icon_url"]) + " from " + json_string(r["url"]) + suffix);
    if (!ctx.check_url(row->bytes(0), r, Level::critical, when))
      ctx.check_url(row->bytes(1), r, Level::critical, when);
    ctx.emit(r);
  }
  if (!row->error().empty()) ctx.warn(what + ": " + row->error() + " (rows after it are missing)");
}

void run(ModuleContext& ctx) {
  web::for_each_chromium_database(ctx, kChromiumProfiles[0], kChromeFaviconsId, process_db);
}

}  // namespace

extern const ModuleSpec kChromeFavicon{"chrome_favicon",
                                       "ChromeFavicon",
                                       "Chrome, Edge, Brave… favicons (Chromium Favicons)",
                                       run,
                                       false,
                                       kChromiumProfiles};

}  // namespace vigil::modules::ios
