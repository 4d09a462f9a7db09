#include "modules/rematch.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "core/text.hpp"
#include "modules/ios/common.hpp"
#include "modules/ios/system_util.hpp"
#include "modules/ios/whatsapp_util.hpp"

namespace vigil::modules {

namespace {

using ios::json_string;

// The record's time field as the module passed it to its checks.
std::optional<Micros> when(const Json& r, std::string_view key) {
  return core::parse_iso(json_string(field(r, key)));
}

std::string str(const Json& r, std::string_view key) { return json_string(field(r, key)); }

void urls(ModuleContext& ctx, const Json& r, std::initializer_list<std::string_view> keys,
          std::string_view time_key) {
  auto t = when(r, time_key);
  for (auto key : keys)
    if (ctx.check_url(str(r, key), r, Level::critical, t)) return;
}

void message_links(ModuleContext& ctx, const Json& r, std::initializer_list<std::string_view> keys,
                   bool whatsapp) {
  ios::MessageLinks links;
  for (auto key : keys)
    if (field(r, key).is_string())
      links.add_text(str(r, key), whatsapp ? ios::is_whatsapp_media_url : nullptr);
  links.check(ctx, r);
}

// webkit_session_resource_log: the domains of a stored redirect list (plist entries as JSON).
std::vector<std::string> redirect_domains(const Json& list) {
  std::vector<std::string> out;
  if (!list.is_array()) return out;
  for (const auto& e : list) {
    if (e.is_string()) {
      out.push_back(e.get<std::string>());
      continue;
    }
    for (std::string_view key : {"origin", "domain"})
      if (field(e, key).is_string()) out.push_back(json_string(field(e, key)));
  }
  return out;
}

std::string quoted_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "\"" : ", \"") + core::printable(item) + "\"";
  return out;
}

void session_redirects(ModuleContext& ctx, const Json& r) {
  auto t = when(r, "last_seen");
  std::string origin = str(r, "origin");
  auto sources = redirect_domains(field(r, "redirect_source"));
  auto targets = redirect_domains(field(r, "redirect_destination"));
  std::vector<std::string> all = {origin};
  for (const auto* list : {&sources, &targets})
    for (const auto& d : *list)
      if (d != origin && std::find(all.begin(), all.end(), d) == all.end()) all.push_back(d);
  bool matched = false;
  for (const auto& d : all)
    if (!d.empty() && ctx.check_url(d, r, Level::critical, t)) {
      matched = true;
      break;
    }
  if (!matched) return;
  std::string chain;
  if (!sources.empty()) chain += "SOURCE: " + quoted_list(sources) + " -> ";
  chain += "ORIGIN: \"" + core::printable(origin) + "\"";
  if (!targets.empty()) chain += " -> DESTINATION: " + quoted_list(targets);
  ctx.alert(Level::high, "Found HTTP redirect between suspicious domains: " + chain, t, r);
}

// The same checks, in the same order, as each module's run() (src/modules/ios/<slug>.cpp).
void rematch_ios(std::string_view slug, ModuleContext& ctx, const Json& r) {
  const auto* iocs = ctx.iocs();
  if (slug == "manifest") {
    ios::check_manifest_path(ctx, str(r, "relative_path"), r);
  } else if (slug == "datausage") {
    std::string name = str(r, "proc_name");
    auto t = when(r, "first_isodate");
    if (name.starts_with("MANIPULATED")) return;
    if (!ctx.check_process(name, r, Level::critical, t)) {
      auto slash = name.find('/');
      if (slash != std::string::npos && slash != 0)
        ctx.check_process(name.substr(0, slash), r, Level::critical, t);
    }
  } else if (slug == "tcc") {
    ctx.check_process(str(r, "client"), r);
  } else if (slug == "os_analytics_ad_daily") {
    ctx.check_process(str(r, "package"), r, Level::critical, when(r, "ts"));
  } else if (slug == "profile_events") {
    if (!(field(r, "process").is_string() && ctx.check_process(str(r, "process"), r)))
      ctx.check_profile(str(r, "profile_id"), r);
  } else if (slug == "sms") {
    message_links(ctx, r, {"text"}, false);
  } else if (slug == "whatsapp" || slug == "whatsapp_business") {
    message_links(ctx, r, {"ZTEXT", "ZMATCHEDTEXT", "ZMEDIAURL", "ZCONTENT1", "ZCONTENT2"}, true);
  } else if (slug == "sms_attachments") {
    std::string filename = str(r, "filename");
    if (iocs != nullptr && !filename.empty() && filename != "NULL" &&
        !ctx.check_file_path(filename, r, Level::high) && filename.starts_with("~/"))
      ctx.check_file_path("/private/var/mobile/" + filename.substr(2), r, Level::high);
  } else if (slug == "calendar") {
    ctx.check_email(str(r, "participant_email"), r);
  } else if (slug == "id_status_cache") {
    std::string user = str(r, "user");
    std::string_view email = user;
    if (!email.starts_with("mailto:")) return;
    email.remove_prefix(7);
    while (!email.empty() && email.front() == '\'') email.remove_prefix(1);
    while (!email.empty() && email.back() == '\'') email.remove_suffix(1);
    ctx.check_email(email, r);
  } else if (slug == "safari_history") {
    urls(ctx, r, {"url"}, "isodate");
  } else if (slug == "chrome_history" || slug == "firefox_history") {
    urls(ctx, r, {"url"}, "isodate");
  } else if (slug == "chrome_favicon") {
    urls(ctx, r, {"url", "icon_url"}, "isodate");
  } else if (slug == "firefox_favicon") {
    urls(ctx, r, {"url", "history_url"}, "isodate");
  } else if (slug == "webkit_resource_load_statistics") {
    urls(ctx, r, {"registrable_domain"}, "last_seen_isodate");
  } else if (slug == "webkit_session_resource_log") {
    if (iocs != nullptr) session_redirects(ctx, r);
  } else if (slug == "safari_browser_state") {
    auto t = when(r, "last_viewed_timestamp");
    if (ctx.check_url(str(r, "tab_url"), r, Level::critical, t)) return;
    for (const auto& e : field(r, "session_data")) {
      std::string url = json_string(field(e, "entry_url"));
      std::string original = json_string(field(e, "entry_original_url"));
      if (!ctx.check_url(url, r, Level::critical, t) && original != url)
        ctx.check_url(original, r, Level::critical, t);
    }
  } else if (slug == "shortcuts") {
    auto t = when(r, "isodate");
    for (const auto& u : field(r, "action_urls"))
      if (u.is_string() && ctx.check_url(u.get<std::string>(), r, Level::critical, t)) return;
  } else if (slug == "applications") {
    if (iocs == nullptr) return;
    std::string name = str(r, "name");
    std::string id = r.contains("softwareVersionBundleId")
                         ? ios::py_str(field(r, "softwareVersionBundleId"))
                         : name;
    for (const auto& candidate : {id, name}) {
      if (candidate.empty()) continue;
      auto matches = iocs->match_process(candidate, indicators::Platform::ios);
      if (matches.empty()) matches = iocs->match_app_id(candidate);
      if (matches.empty()) continue;
      ctx.alert(Level::critical,
                "Malicious application " + core::printable(candidate) + " identified", std::nullopt,
                r, &matches.front());
      return;
    }
  } else if (slug == "configuration_profiles") {
    const Json& p = field(r, "plist");
    std::string uuid = json_string(field(p, "PayloadUUID"));
    if (iocs == nullptr || uuid.empty()) return;
    auto matches = iocs->match_profile(uuid);
    if (matches.empty()) return;
    ctx.alert(Level::critical,
              "Found a known malicious configuration profile \"" +
                  core::printable(json_string(field(p, "PayloadDisplayName"))) + "\" with UUID \"" +
                  core::printable(uuid) + "\"",
              std::nullopt, r, &matches.front());
  } else if (slug == "locationd_clients") {
    if (iocs == nullptr) return;
    const auto ios = indicators::Platform::ios;
    std::string package = str(r, "package"), shown = core::printable(package);
    auto raise = [&](const std::vector<indicators::Match>& m, std::string message) {
      if (m.empty()) return false;
      ctx.alert(Level::high, std::move(message), std::nullopt, r, &m.front());
      return true;
    };
    if (raise(iocs->match_process(core::path_basename(package), ios),
              "Found a suspicious process name in LocationD entry " + shown))
      return;
    if (auto bundle = str(r, "BundleId"); !bundle.empty())
      if (raise(iocs->match_process(bundle, ios),
                "Found a suspicious process name in LocationD entry " + shown))
        return;
    if (auto path = str(r, "BundlePath"); !path.empty())
      if (raise(iocs->match_file_path(path),
                "Found a known malicious domain in LocationD entry " + shown))
        return;
    for (std::string_view key : {"Executable", "Registered"})
      if (auto path = str(r, key); !path.empty())
        if (raise(iocs->match_file_path(path),
                  "Found a suspicious file path in LocationD entry " + core::printable(path)))
          return;
  }
}

}  // namespace

void rematch_record(std::string_view slug, ModuleContext& ctx, const Json& record) {
  if (record.is_object()) rematch_ios(slug, ctx, record);
}

bool rematch_raises(std::string_view slug, std::string_view message) {
  return slug == "webkit_session_resource_log" &&
         message.starts_with("Found HTTP redirect between suspicious domains");
}

}  // namespace vigil::modules
