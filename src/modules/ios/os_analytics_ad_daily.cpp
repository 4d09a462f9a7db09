// com.apple.osanalytics.addaily.plist: the daily analytics baseline of network usage per
// process (osanalyticshelper). Location: HomeDomain
// Library/Preferences/com.apple.osanalytics.addaily.plist. Key netUsageBaseline = {process
// name: [date (plist date), wifi_in, wifi_out, wwan_in, wwan_out]} (bytes). Why it matters: a
// spyware process that used the network is listed under its own name, even after it is gone.
#include "core/text.hpp"
#include "modules/ios/common.hpp"
#include "modules/ios/system_util.hpp"

namespace vigil::modules::ios {

namespace {

void run(ModuleContext& ctx) {
  auto plist =
      read_plist(ctx, "HomeDomain", "Library/Preferences/com.apple.osanalytics.addaily.plist");
  if (!plist) return;
  core::PlistRef baseline = plist->root()["netUsageBaseline"];
  if (baseline.valid() && !baseline.is_dict())
    ctx.warn(
        "com.apple.osanalytics.addaily.plist: netUsageBaseline is not a dictionary "
        "(schema not recognised)");
  for (const auto& [package, values] : baseline.items()) {
    Json r;
    r["package"] = core::utf8_or_escaped(package);
    auto when = values.at(0).date();
    if (!when) when = sys::plist_cocoa_time(values.at(0));
    r["ts"] = iso_or_null(when);
    r["wifi_in"] = values.at(1).to_json();
    r["wifi_out"] = values.at(2).to_json();
    r["wwan_in"] = values.at(3).to_json();
    r["wwan_out"] = values.at(4).to_json();
    ctx.timeline(when, "osanalytics_addaily",
                 sys::json_string(r, "package") + " WIFI IN: " + py_str(r["wifi_in"]) +
                     ", WIFI OUT: " + py_str(r["wifi_out"]) + " - WWAN IN: " +
                     py_str(r["wwan_in"]) + ", WWAN OUT: " + py_str(r["wwan_out"]));
    ctx.check_process(sys::json_string(r, "package"), r, Level::critical, when);
    ctx.emit(r);
  }
}

}  // namespace

extern const ModuleSpec kOsAnalyticsAdDaily{"os_analytics_ad_daily", "OSAnalyticsADDaily",
                                            "Daily network usage per process (osanalytics addaily)",
                                            run};

}  // namespace vigil::modules::ios
