// IDStatusCache: identityservicesd's cache of iMessage/FaceTime reachability lookups — which
// handles (tel:+…, mailto:…) the device asked Apple about, through which service, when, and
// the answer (IDStatus 1 = registered, 2 = not). Location: HomeDomain
// Library/Preferences/com.apple.identityservices.idstatuscache.plist (iOS ≤ 14; later iOS keeps
// it in Library/IdentityServices/idstatuscache.plist, not in backups). Top-level keys are
// services (com.apple.madrid = iMessage, com.apple.ess = FaceTime, com.apple.private.alloy.*);
// each maps handle → {LookupDate (Cocoa seconds), IDStatus}. Why it matters: zero-click
// iMessage/FaceTime exploits start with a lookup of the target from the attacker's account;
// NSO's Pegasus attacker accounts (e-mail indicators) and handles with embedded NUL bytes
// ("\x00\x00", seen in FORCEDENTRY) show up here.
#include <unordered_map>

#include "core/text.hpp"
#include "modules/ios/common.hpp"
#include "modules/ios/system_util.hpp"

namespace vigil::modules::ios {

namespace {

// MVT shows NUL characters of a handle as the 4-character text "\x00".
std::string shown_user(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '\0')
      out += "\\x00";
    else
      out += c;
  }
  return core::utf8_or_escaped(out);
}

bool complete(core::PlistRef entry) {
  return entry["LookupDate"].valid() && entry["IDStatus"].valid();
}

constexpr std::string_view kDomain = "HomeDomain";
constexpr std::string_view kPath =
    "Library/Preferences/com.apple.identityservices.idstatuscache.plist";

void run(ModuleContext& ctx) {
  // The handles are the dictionary keys byte for byte, NUL characters included.
  auto plist = read_plist(ctx, kDomain, kPath);
  if (!plist) return;
  auto services = plist->root().items();
  // occurrences: how many entries of the file share a handle (a first pass counts them).
  std::unordered_map<std::string, std::int64_t> count;
  for (const auto& [service, entries] : services)
    for (const auto& [key, entry] : entries.items())
      if (complete(entry)) ++count[shown_user(key)];

  for (const auto& [service, entries] : services) {
    for (const auto& [key, entry] : entries.items()) {
      if (!complete(entry)) continue;
      std::string user = shown_user(key);
      Json r;
      r["package"] = core::utf8_or_escaped(service);
      r["user"] = user;
      auto when = sys::plist_cocoa_time(entry["LookupDate"]);
      r["isodate"] = iso_or_null(when);
      r["idstatus"] = entry["IDStatus"].to_json();
      r["occurrences"] = count[user];
      ctx.timeline(when, "lookup",
                   "Lookup of " + user + " within " + sys::json_string(r, "package") + " (Status " +
                       py_str(r["idstatus"]) + ")");
      bool matched = false;
      if (user.starts_with("mailto:")) {
        std::string_view email = std::string_view(user).substr(7);
        while (!email.empty() && email.front() == '\'') email.remove_prefix(1);
        while (!email.empty() && email.back() == '\'') email.remove_suffix(1);
        matched = ctx.check_email(email, r);
      }
      if (!matched && user.find("\\x00\\x00") != std::string::npos)
        ctx.alert(
            Level::high,
            "Found an ID Status Cache entry with suspicious patterns: " + core::printable(user),
            std::nullopt, r);
      ctx.emit(r);
    }
  }
}

}  // namespace

extern const ModuleSpec kIdStatusCache{"id_status_cache", "IDStatusCache",
                                       "iMessage/FaceTime handle lookups (idstatuscache.plist)",
                                       run};

}  // namespace vigil::modules::ios
