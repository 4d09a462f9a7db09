// Installed applications as the backup's top-level Info.plist lists them: key Applications =
// {bundle ID: {iTunesMetadata (an embedded binary plist: softwareVersionBundleId, itemName,
// artistName, bundleShortVersionString, sourceApp, com.apple.iTunesStore.downloadInfo
// {purchaseDate "YYYY-MM-DDTHH:MM:SSZ", accountInfo}…), PlaceholderIcon (PNG), ApplicationSINF…}}.
// iTunes/Finder write it at backup time (iOS 8+); apps without App Store metadata may lack most
// keys. Why it matters: a known spyware app ID, or an app installed outside the App Store and
// MDM (sideloaded, enterprise-signed, TestFlight) is a lead.
#include <array>

#include "core/hash.hpp"
#include "core/text.hpp"
#include "modules/ios/common.hpp"
#include "modules/ios/system_util.hpp"

namespace vigil::modules::ios {

namespace {

constexpr std::array<std::string_view, 4> kKnownInstallers = {
    "com.apple.AppStore", "com.apple.AppStore.ProductPageExtension", "com.apple.dmd", "dmd"};

// purchaseDate is UTC ("Z"); MVT parses it as local time of the analyst's machine.
std::optional<Micros> purchase_date(core::PlistRef value) {
  if (auto d = value.date()) return d;
  if (auto s = value.string()) return core::parse_iso(*s);
  return std::nullopt;
}

bool check_ids(ModuleContext& ctx, const Json& r, const std::string& id) {
  const auto* iocs = ctx.iocs();
  if (iocs == nullptr || id.empty()) return false;
  auto matches = iocs->match_process(id, indicators::Platform::ios);
  if (matches.empty()) matches = iocs->match_app_id(id);
  if (matches.empty()) return false;
  ctx.alert(Level::critical, "Malicious application " + core::printable(id) + " identified",
            std::nullopt, r, &matches.front());
  return true;
}

void run(ModuleContext& ctx) {
  auto info = read_info_plist(ctx);
  if (!info) return;
  std::string error;
  for (const auto& [bundle, app] : info->root()["Applications"].items()) {
    Json r;
    r["name"] = core::utf8_or_escaped(bundle);
    core::PlistRef metadata_root;
    std::optional<core::Plist> metadata;
    if (auto blob = app["iTunesMetadata"].data()) {
      metadata = core::Plist::parse(*blob, error);
      if (!metadata)
        ctx.warn("Info.plist: iTunesMetadata of " + core::printable(bundle) + ": " + error);
      else
        metadata_root = metadata->root();
    }
    for (const auto& [key, value] : metadata_root.items())
      r[core::utf8_or_escaped(key)] = value.to_json();
    auto installed =
        purchase_date(metadata_root["com.apple.iTunesStore.downloadInfo"]["purchaseDate"]);
    if (installed) r["isodate"] = core::format_iso(*installed);
    if (auto icon = app["PlaceholderIcon"].data()) r["icon_sha256"] = core::sha256_hex(*icon);

    ctx.timeline(installed, "app_installed",
                 "App " + sys::py_get(r, "name") + " version " +
                     sys::py_get(r, "bundleShortVersionString") + " from " +
                     sys::py_get(r, "artistName") + " installed from " +
                     sys::py_get(r, "sourceApp"));

    const bool has_bundle_id = r.contains("softwareVersionBundleId");
    std::string name = sys::json_string(r, "name");
    std::string id = has_bundle_id ? py_str(r["softwareVersionBundleId"]) : name;
    if (!has_bundle_id)
      ctx.alert(Level::medium, "Suspicious application identified without softwareVersionBundleId",
                std::nullopt, r);
    bool malicious = check_ids(ctx, r, id);
    if (!malicious && id != name) malicious = check_ids(ctx, r, name);
    if (!malicious) {
      std::string source = sys::py_get(r, "sourceApp", "com.apple.AppStore");
      bool known = false;
      for (auto installer : kKnownInstallers) known = known || source == installer;
      if (!known)
        ctx.alert(Level::medium,
                  "Suspicious app not installed from the App Store or MDM: " + core::printable(id),
                  std::nullopt, r);
    }
    ctx.emit(r);
  }
}

}  // namespace

extern const ModuleSpec kApplications{"applications", "Applications",
                                      "Installed applications (Info.plist)", run};

}  // namespace vigil::modules::ios
