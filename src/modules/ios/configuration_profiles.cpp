// Configuration profiles installed on the device: one plist per profile, named
// "profile-<SHA-256 of the identifier>.stub", in the SysSharedContainerDomain-systemgroup.com.
// apple.configurationprofiles domain (Library/ConfigurationProfiles/; on the device
// /private/var/containers/Shared/SystemGroup/systemgroup.com.apple.configurationprofiles/).
// Each holds the profile's top-level keys (PayloadType, PayloadUUID, PayloadDisplayName,
// PayloadDescription, PayloadContent[] with one dict per payload, SignerCerts, InstallDate as a
// plist date…); MDM enrolments add OTAProfileStub and push-token blobs. Binary values are
// shown as base64. Why it matters: a profile can install root certificates, VPNs or proxies that
// route traffic through an attacker, or (com.apple.notificationsettings) silence notifications;
// known malicious profiles are published by UUID.
#include "core/text.hpp"
#include "modules/ios/common.hpp"
#include "modules/ios/system_util.hpp"

namespace vigil::modules::ios {

namespace {

constexpr std::string_view kDomain =
    "SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles";

bool has_notification_payload(core::PlistRef content) {
  // MVT looks at PayloadContent[0] only (and stops on a profile without PayloadContent); a
  // notification-settings payload is flagged wherever it sits in the list.
  for (std::size_t i = 0; i < content.size(); ++i)
    if (content.at(i)["PayloadType"].string() == "com.apple.notificationsettings") return true;
  return false;
}

void run(ModuleContext& ctx) {
  std::size_t profiles = 0;
  for (const auto& file : ctx.backup().find_domain(kDomain)) {
    if (!core::path_basename(file.relative_path).starts_with("profile-")) continue;
    if (file.flags == 2) continue;  // a directory named profile-…
    ++profiles;
    std::string what = std::string(kDomain) + "/" + core::utf8_or_escaped(file.relative_path);
    std::string error;
    auto bytes = ctx.backup().read(file.file_id, error);
    if (!bytes) {
      ctx.warn(what + " (" + file.file_id + "): " +
               (ctx.backup().payload_path(file.file_id)
                    ? error
                    : std::string("listed in Manifest.db but its file is missing")));
      continue;
    }
    auto plist = core::Plist::parse(*bytes, error);
    if (!plist) ctx.warn(what + " (" + file.file_id + "): " + error);
    core::PlistRef root = plist ? plist->root() : core::PlistRef();

    Json r;
    r["file_id"] = file.file_id;
    r["relative_path"] = core::utf8_or_escaped(file.relative_path);
    r["domain"] = core::utf8_or_escaped(file.domain);
    r["plist"] = root.is_dict() ? root.to_json() : Json::object();
    auto installed = root["InstallDate"].date();
    r["install_date"] = iso_or_null(installed);

    const Json& p = r["plist"];
    auto field = [&](std::string_view key) {
      auto it = p.find(key);
      return it == p.end() ? std::string("None") : py_str(*it);
    };
    ctx.timeline(installed, "configuration_profile_install",
                 field("PayloadType") + " installed: " + field("PayloadUUID") + " - " +
                     field("PayloadDisplayName") + ": " + field("PayloadDescription"));

    std::string uuid = root["PayloadUUID"].string().value_or("");
    std::string name = core::printable(root["PayloadDisplayName"].string().value_or(""));
    bool flagged = false;
    if (!uuid.empty() && ctx.iocs() != nullptr) {
      auto matches = ctx.iocs()->match_profile(uuid);
      if (!matches.empty()) {
        ctx.alert(Level::critical,
                  "Found a known malicious configuration profile \"" + name + "\" with UUID \"" +
                      core::printable(uuid) + "\"",
                  std::nullopt, r, &matches.front());
        flagged = true;
      }
    }
    if (!flagged && has_notification_payload(root["PayloadContent"]))
      ctx.alert(Level::medium,
                "Found a potentially suspicious configuration profile \"" + name +
                    "\" with payload type com.apple.notificationsettings",
                std::nullopt, r);
    ctx.emit(r);
  }
  if (profiles == 0)
    ctx.not_found(std::string(kDomain) + "/Library/ConfigurationProfiles/profile-*");
}

}  // namespace

extern const ModuleSpec kConfigurationProfiles{"configuration_profiles", "ConfigurationProfiles",
                                               "Installed configuration profiles", run};

}  // namespace vigil::modules::ios
