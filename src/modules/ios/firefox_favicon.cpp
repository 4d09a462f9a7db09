// Firefox for iOS browser.db favicons: each icon (`favicons`: URL, size, type,
// date) and the pages that showed it (`favicon_sites` → `history`). Location:
// AppDomainGroup- group.org.mozilla.ios.Firefox `profile.profile/browser.db`
// (file 2e57c396…). `favicons.date` is Unix time, in seconds in the versions
// seen (the unit is inferred from the magnitude). Favicons outlive cleared
// history: a page on an IOC domain can still show here.
#include "core/text.hpp"
#include "modules/ios/common.hpp"
#include "modules/ios/web_util.hpp"

namespace vigil::modules::ios {

namespace {

void run(ModuleContext& ctx) {
  const std::string what(web::kFirefoxBrowserDb);
  auto db = web::open_firefox_browser_db(ctx);
  if (!db) return;
  if (!db->has_table("favicons") || !db->has_table("favicon_sites") || !db->has_table("history") ||
      !db->has_column("favicon_sites", "faviconID") || !db->has_column("favicon_sites", "siteID") ||
      !db->has_column("favicons", "url") || !db->has_column("history", "url")) {
    ctx.warn(what + ": no favicons/favicon_sites/history tables (schema not recognised)");
    return;
  }
  auto column = [&](std::string_view name) {
    return db->has_column("favicons", name) ? "favicons." + std::string(name) : std::string("NULL");
  };
  std::string error;
  auto row = db->prepare("SELECT favicons.id, favicons.url, " + column("width") + ", " +
                             column("height") + ", " + column("type") + ", " + column("date") +
                             ", history.id, history.url FROM favicons "
                             "JOIN favicon_sites ON favicon_sites.faviconID = favicons.id "
                             "JOIN history ON favicon_sites.siteID = history.id",
                         error);
  if (!row) {
    ctx.warn(what + ": " + error);
    return;
  }
  while (row->step()) {
    auto when = web::unix_any_column(*row, 5);
    Json r;
    r["id"] = column_json(*row, 0);
    r["url"] = column_json(*row, 1);
    r["width"] = column_json(*row, 2);
    r["height"] = column_json(*row, 3);
    r["type"] = column_json(*row, 4);
    r["isodate"] = iso_or_null(when);
    r["history_id"] = column_json(*row, 6);
    r["history_url"] = column_json(*row, 7);
    ctx.timeline(when, "firefox_history",
                 "Firefox favicon " + json_string(r["url"]) + " when visiting " +
                     json_string(r["history_url"]));
    if (!ctx.check_url(row->bytes(1), r, Level::critical, when))
      ctx.check_url(row->bytes(7), r, Level::critical, when);
    ctx.emit(r);
  }
  if (!row->error().empty()) ctx.warn(what + ": " + row->error() + " (rows after it are missing)");
}

}  // namespace

extern const ModuleSpec kFirefoxFavicon{"firefox_favicon", "FirefoxFavicon",
                                        "Firefox favicons and the pages that showed them", run};

}  // namespace vigil::modules::ios
