#include "report/alert_explanations.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace vigil::report {

namespace {

constexpr std::string_view kNotProofIoc =
    "Indicators are published by researchers and can contain mistakes; one match is a lead to "
    "check with an expert, not a verdict.";

// The last entry ("other") is the fallback for anything not listed.
constexpr std::array<AlertExplanation, 24> kExplanations{{
    {"ioc-web-visit", "A website linked to spyware appears in the browsing data",
     "A web address in the browser history, open tabs, favicons or web tracking data belongs to a "
     "domain that researchers have tied to a spyware operation.",
     "Spyware is often delivered through a link that, once opened, silently exploits the phone. "
     "Infrastructure domains used for delivery are among the strongest traces.",
     "A visit is not an infection. Some listed domains are the vendor's public website or were "
     "reused later by someone else; the page may have been blocked or failed to load. It does "
     "not show that anything was installed."},
    {"ioc-message-link", "A message contains a link to a spyware domain",
     "An SMS, iMessage or WhatsApp message (or a link found in it) points to a domain that "
     "researchers have tied to a spyware operation.",
     "Targeted people often receive such links as bait; a message like this shows someone tried "
     "to reach this phone with spyware infrastructure.",
     "Receiving a link is not the same as opening it, and opening it is not the same as being "
     "infected. Look for a matching visit in the browsing data and on the timeline."},
    {"ioc-process", "A process with a name used by spyware ran on the device",
     "A program name recorded by iOS (network usage, privacy permissions, analytics) matches the "
     "name of a process that a spyware implant is known to use.",
     "Process names are among the most specific traces an implant leaves; a match recorded by "
     "the system suggests the implant actually ran.",
     "Short names can collide with legitimate software, and a \"truncated\" match compares only "
     "the first characters iOS keeps. Have an expert check the surrounding records."},
    {"ioc-file", "A file linked to spyware is in the backup",
     "A file path or name in the backup matches one that researchers have tied to spyware.",
     "Implants and their exploit payloads leave characteristic files behind.",
     "The file's presence does not say whether it was ever executed; a common file name can also "
     "collide with a harmless file."},
    {"ioc-domain-in-path", "A spyware domain appears in a stored file name",
     "The path of a file stored in the backup (for example a website's cache or storage folder) "
     "contains a domain tied to spyware.",
     "Browsers store data per website: a folder named after the domain means the device loaded "
     "something from it.",
     "Like a history entry, this shows contact with the website, not an infection."},
    {"ioc-email", "An account used by attackers interacted with this device",
     "An e-mail address or Apple ID known to be used by a spyware operator appears in the device "
     "data (for example an iMessage lookup or a calendar invitation).",
     "Some zero-click attacks start with the attacker's account looking up or messaging the "
     "target; the trace shows the device was targeted.",
     "Being looked up or invited shows targeting, not a successful infection."},
    {"ioc-app", "An app known as spyware or stalkerware is installed",
     "The identifier of an installed app matches one that researchers list as spyware or "
     "stalkerware.",
     "Such apps can read messages, location and more, and are often installed by someone with "
     "physical access to the phone.",
     "The app may be installed but never configured, or a legitimate app may share an old "
     "identifier. Check the app's details before acting."},
    {"ioc-profile", "A configuration profile known to be malicious",
     "A configuration profile (device management settings) installed on the device matches a "
     "known malicious profile.",
     "Profiles can route traffic, install certificates or manage the device remotely.",
     "An installed profile shows a risky configuration, not necessarily that data was taken."},
    {"ioc-location-client", "A spyware component asked for location",
     "An entry in the list of programs that used location services matches a spyware "
     "indicator.",
     "Location access by a spyware process is a sign the implant ran with privileges.",
     "Names can collide with legitimate components; confirm with an expert."},
    {"ioc-other", "Something on the device matches a spyware indicator",
     "A value read from the device matches an indicator of compromise published by researchers.",
     "Indicators describe traces found on the phones of confirmed victims.", kNotProofIoc},
    {"missing-process", "A gap in the network-usage database",
     "Rows of DataUsage.sqlite (which records which programs used the network) are missing "
     "between existing ones.",
     "Some implants delete their own rows to hide; a gap can be a sign of such cleanup.",
     "Gaps are also left by ordinary database maintenance and app removal; on its own this "
     "means little."},
    {"manipulated-process", "A network-usage entry looks manipulated",
     "A process entry in the network-usage database has inconsistent data, as left by "
     "tampering.",
     "Pegasus has been seen rewriting these entries to hide its processes.",
     "Corruption or unusual iOS versions can produce the same pattern; confirm with an expert."},
    {"lockdown-enabled", "Lockdown Mode is on", "The device has Apple's Lockdown Mode enabled.",
     "Lockdown Mode blocks many attack paths used by mercenary spyware; this is good news.",
     "It does not show when it was turned on: an earlier infection is still possible."},
    {"lockdown-disabled", "Lockdown Mode is off",
     "The device has Lockdown Mode explicitly turned off.",
     "People at high risk are advised to enable it.", "This is a setting, not a trace of attack."},
    {"app-not-app-store", "An app not installed from the App Store",
     "An installed app did not come from the App Store or device management, or lacks the usual "
     "version information.",
     "Sideloaded apps bypass Apple's review; stalkerware is often installed this way.",
     "Developer, enterprise and TestFlight apps are installed like this too; most are harmless."},
    {"quadream-calendar", "A calendar event with a QuaDream exploit pattern",
     "A calendar event matches the pattern of invitations used by QuaDream's zero-click exploit.",
     "The exploit used invisible calendar invitations to compromise the phone.",
     "A matching event shows an attempt; it does not prove the attempt succeeded."},
    {"suspicious-profile", "A configuration profile with a suspicious payload",
     "A configuration profile has a payload type that spyware has abused.",
     "Profiles of this type have been used to hide notifications from an implant.",
     "Legitimate management tools use the same payloads; check who installed it."},
    {"idstatus-pattern", "An iMessage lookup with a suspicious pattern",
     "An entry of the iMessage identity cache matches a pattern seen in zero-click attacks.",
     "Attackers' accounts looking up a target leave such entries.",
     "A lookup shows targeting at most, not an infection."},
    {"profile-operation", "A configuration profile was changed",
     "A process installed, removed or changed a configuration profile.",
     "Listed so that an unexpected change can be noticed.",
     "Profile changes are routine on managed devices."},
    {"fast-redirect", "A very fast web redirect",
     "The browser was redirected from one site to another in less than a second.",
     "Exploit delivery chains often bounce through several domains quickly.",
     "Advertising, login and link-shortening services do this all the time; on its own this "
     "means little."},
    {"suspicious-redirect", "A web redirect between suspicious domains",
     "The browser's resource log shows a redirect chain involving domains tied to spyware.",
     "Exploit delivery often redirects through attacker infrastructure.",
     "A redirect shows a page was requested, not that an exploit succeeded."},
    {"apple-threat-notification", "Apple's warning about a state-sponsored attack",
     "The device received Apple's message warning that it may have been targeted by "
     "state-sponsored attackers.",
     "Apple sends these only when it has strong signals of targeting; take it seriously and seek "
     "expert help (for example Access Now's helpline).",
     "It does not say which spyware was used or whether the attack succeeded."},
    {"suspicious-attachment", "A suspicious iMessage attachment",
     "An iMessage attachment has the characteristics of those used in zero-click exploits.",
     "Several iMessage exploits (e.g. FORCEDENTRY) were delivered as crafted attachments.",
     "Unusual attachments also come from ordinary bugs and apps; confirm with an expert."},
    {"other", "Something that deserves a look", "A check of this module found something unusual.",
     "Listed so that an analyst can review it.", kNotProofIoc},
}};

bool has(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::string_view indicator_kind(std::string_view module, std::string type) {
  // MVT writes plural snake_case types ("domains", "processes"); vigil singular kebab-case.
  std::replace(type.begin(), type.end(), '_', '-');
  if (type == "processes")
    type = "process";
  else if (type != "process" && type.ends_with('s'))
    type.pop_back();
  if (module == "locationd_clients") return "ioc-location-client";
  if (type == "domain" || type == "url" || type == "ipv4" || type == "ipv6") {
    if (module == "sms" || module == "whatsapp" || module == "sms_attachments" ||
        module == "shortcuts")
      return "ioc-message-link";
    if (module == "manifest") return "ioc-domain-in-path";
    return "ioc-web-visit";
  }
  if (type == "process") return "ioc-process";
  if (type == "file-path" || type == "file-name") return "ioc-file";
  if (type == "email") return "ioc-email";
  if (type == "app-id" || type == "app-cert") return "ioc-app";
  if (type == "profile" || type == "ios-profile-id") return "ioc-profile";
  return "ioc-other";
}

}  // namespace

std::span<const AlertExplanation> alert_explanations() { return kExplanations; }

std::string_view alert_kind(const modules::Json& alert) {
  std::string module = alert.value("module", "");
  const auto& mi = modules::field(alert, "matched_indicator");
  if (mi.is_object()) return indicator_kind(module, mi.value("type", ""));
  std::string message = alert.value("message", "");
  std::string_view m = message;
  if (m.starts_with("Missing process")) return "missing-process";
  if (m.starts_with("Found manipulated process")) return "manipulated-process";
  if (m == "Lockdown mode enabled") return "lockdown-enabled";
  if (m == "Lockdown mode disabled") return "lockdown-disabled";
  if (m.starts_with("Suspicious app")) return "app-not-app-store";
  if (m.starts_with("Potential Quadream")) return "quadream-calendar";
  if (has(m, "potentially suspicious configuration profile")) return "suspicious-profile";
  if (m.starts_with("Found an ID Status Cache entry")) return "idstatus-pattern";
  if (has(m, "started operation")) return "profile-operation";
  if (m.starts_with("Redirect took less than")) return "fast-redirect";
  if (m.starts_with("Found HTTP redirect")) return "suspicious-redirect";
  if (m.starts_with("Apple warning")) return "apple-threat-notification";
  if (m.starts_with("Suspicious iMessage attachment")) return "suspicious-attachment";
  return "other";
}

const AlertExplanation& explain(std::string_view kind) {
  for (const auto& e : kExplanations)
    if (e.kind == kind) return e;
  return kExplanations.back();
}

}  // namespace vigil::report
