// locationd's clients.plist: every app, bundle and executable that asked for the device's
// location, with its authorisation and the times it last used each kind of location service.
// Location: RootDomain Library/Caches/locationd/clients.plist (on the device
// /private/var/root/Library/Caches/locationd/ or /private/var/mobile/…). Top-level keys are
// clients: a bundle ID, "com.apple.locationd.bundle-<path>", "com.apple.locationd.executable-
// <path>" (iOS 17 adds a trailing ':' and other forms); values are dicts with Authorization,
// BundleId, BundlePath, Executable, Registered and timestamps (ConsumptionPeriodBegin,
// LocationTimeStopped…) in Cocoa seconds. Non-dict values (migration counters) are skipped.
// Why it matters: an implant that tracks the victim registers as a location client under its
// own process name or path (Pegasus's "roleaccountd", "stagingd"…).
#include <array>

#include "core/text.hpp"
#include "modules/ios/common.hpp"
#include "modules/ios/system_util.hpp"

namespace vigil::modules::ios {

namespace {

constexpr std::array<std::string_view, 9> kTimestamps = {"ConsumptionPeriodBegin",
                                                         "ReceivingLocationInformationTimeStopped",
                                                         "VisitTimeStopped",
                                                         "LocationTimeStopped",
                                                         "BackgroundLocationTimeStopped",
                                                         "SignificantTimeStopped",
                                                         "NonPersistentSignificantTimeStopped",
                                                         "FenceTimeStopped",
                                                         "BeaconRegionTimeStopped"};

bool alert_match(ModuleContext& ctx, const Json& r, const std::vector<indicators::Match>& matches,
                 std::string message) {
  if (matches.empty()) return false;
  ctx.alert(Level::high, std::move(message), std::nullopt, r, &matches.front());
  return true;
}

void check(ModuleContext& ctx, const Json& r, const std::string& package) {
  const auto* iocs = ctx.iocs();
  if (iocs == nullptr) return;
  const auto ios = indicators::Platform::ios;
  std::string shown = core::printable(package);
  if (alert_match(ctx, r, iocs->match_process(core::path_basename(package), ios),
                  "Found a suspicious process name in LocationD entry " + shown))
    return;
  if (auto bundle = sys::json_string(r, "BundleId"); !bundle.empty())
    if (alert_match(ctx, r, iocs->match_process(bundle, ios),
                    "Found a suspicious process name in LocationD entry " + shown))
      return;
  if (auto path = sys::json_string(r, "BundlePath"); !path.empty())
    if (alert_match(ctx, r, iocs->match_file_path(path),
                    "Found a known malicious domain in LocationD entry " + shown))
      return;
  for (std::string_view key : {"Executable", "Registered"}) {
    // Registered is sometimes a boolean: only paths are checked.
    if (auto path = sys::json_string(r, key); !path.empty())
      if (alert_match(ctx, r, iocs->match_file_path(path),
                      "Found a suspicious file path in LocationD entry " + core::printable(path)))
        return;
  }
}

void run(ModuleContext& ctx) {
  auto plist = read_plist(ctx, "RootDomain", "Library/Caches/locationd/clients.plist");
  if (!plist) return;
  for (const auto& [key, client] : plist->root().items()) {
    if (!client.is_dict()) continue;
    std::string package = core::utf8_or_escaped(key);
    while (!package.empty() && package.back() == ':') package.pop_back();
    Json r = client.to_json();
    r["package"] = package;
    std::array<std::optional<Micros>, kTimestamps.size()> times{};
    for (std::size_t i = 0; i < kTimestamps.size(); ++i) {
      core::PlistRef value = client[kTimestamps[i]];
      if (!value.valid()) continue;
      times[i] = sys::plist_cocoa_time(value);
      r[std::string(kTimestamps[i])] = iso_or_null(times[i]);
    }
    for (std::size_t i = 0; i < kTimestamps.size(); ++i)
      ctx.timeline(times[i], std::string(kTimestamps[i]),
                   std::string(kTimestamps[i]) + " from " + package);
    check(ctx, r, package);
    ctx.emit(r);
  }
}

}  // namespace

extern const ModuleSpec kLocationdClients{"locationd_clients", "LocationdClients",
                                          "Location service clients (locationd clients.plist)",
                                          run};

}  // namespace vigil::modules::ios
