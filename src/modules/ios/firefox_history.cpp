// Firefox for iOS browser.db: every visit (`visits` joined to `history` on
// siteID). Location: AppDomainGroup-group.org.mozilla.ios.Firefox
// `profile.profile/browser.db` (file 2e57c396…). `visits.date` is microseconds
// since 1970 (REAL or INTEGER). Recent Firefox versions keep their history in
// `places.db` (application-services) instead, which this module does not read
// yet. Visits to IOC domains are exploit-link traces.
#include "core/text.hpp"
#include "modules/ios/common.hpp"
#include "modules/ios/web_util.hpp"

namespace vigil::modules::ios {

namespace {

void run(ModuleContext& ctx) {
  const std::string what(web::kFirefoxBrowserDb);
  auto db = web::open_firefox_browser_db(ctx);
  if (!db) return;
  if (!db->has_table("visits") || !db->has_table("history") ||
      !db->has_column("visits", "siteID") || !db->has_column("visits", "date") ||
      !db->has_column("history", "url")) {
    ctx.warn(what + ": no visits/history tables (schema not recognised)");
    return;
  }
  auto column = [&](std::string_view table, std::string_view name) {
    return db->has_column(table, name) ? std::string(table) + "." + std::string(name)
                                       : std::string("NULL");
  };
  std::string error;
  auto row =
      db->prepare("SELECT visits.id, visits.date, history.url, " + column("history", "title") +
                      ", " + column("visits", "is_local") + ", " + column("visits", "type") +
                      " FROM visits JOIN history ON visits.siteID = history.id "
                      "ORDER BY visits.date",
                  error);
  if (!row) {
    ctx.warn(what + ": " + error);
    return;
  }
  while (row->step()) {
    auto when = web::unix_any_column(*row, 1);
    Json r;
    r["id"] = column_json(*row, 0);
    r["isodate"] = iso_or_null(when);
    r["url"] = column_json(*row, 2);
    r["title"] = column_json(*row, 3);
    r["is_local"] = column_json(*row, 4);
    r["type"] = column_json(*row, 5);
    ctx.timeline(when, "firefox_history",
                 "Firefox visit with ID " + py_str(r["id"]) + " to URL: " + json_string(r["url"]));
    ctx.check_url(row->bytes(2), r, Level::critical, when);
    ctx.emit(r);
  }
  if (!row->error().empty()) ctx.warn(what + ": " + row->error() + " (rows after it are missing)");
}

}  // namespace

extern const ModuleSpec kFirefoxHistory{"firefox_history", "FirefoxHistory",
                                        "Firefox visits (browser.db)", run};

}  // namespace vigil::modules::ios
