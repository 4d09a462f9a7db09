#include "modules/module.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include "core/json_out.hpp"
#include "core/text.hpp"
#include "core/url.hpp"

namespace vigil::modules {

namespace {
constexpr std::array<std::pair<Level, std::string_view>, 5> kLevels = {{
    {Level::informational, "INFORMATIONAL"},
    {Level::low, "LOW"},
    {Level::medium, "MEDIUM"},
    {Level::high, "HIGH"},
    {Level::critical, "CRITICAL"},
}};

std::string collection(const indicators::Match& match) {
  return match.indicator->attributions.empty() ? std::string()
                                               : match.indicator->attributions.front().name;
}
}  // namespace

std::string_view to_string(Level level) noexcept {
  for (const auto& [l, name] : kLevels)
    if (l == level) return name;
  return "INFORMATIONAL";
}

std::optional<Level> level_from_string(std::string_view name) noexcept {
  for (const auto& [l, n] : kLevels)
    if (core::iequals_ascii(n, name) ||
        (l == Level::informational && core::iequals_ascii(name, "info")))
      return l;
  return std::nullopt;
}

Json iso_or_null(std::optional<Micros> t) {
  if (!t) return nullptr;
  return core::format_iso(*t);
}

void append_iso_or_null(std::string& out, std::optional<Micros> t) {
  if (t) {
    out += '"';
    core::append_iso(out, *t);  // nothing in it needs escaping
    out += '"';
  } else
    out += "null";
}

const Json& field(const Json& record, std::string_view key) {
  static const Json kAbsent;
  if (!record.is_object()) return kAbsent;
  for (const auto& [name, value] : record.get_ref<const Json::object_t&>())
    if (name == key) return value;
  return kAbsent;
}

Json matched_indicator_json(const indicators::IndicatorSet& set, const indicators::Match& match) {
  const auto& indicator = *match.indicator;
  Json out;
  out["value"] = indicator.value;
  out["type"] = std::string(indicators::to_string(indicator.type));
  std::vector<std::string> names;
  std::set<std::string> sources;
  for (const auto& a : indicator.attributions) {
    if (std::find(names.begin(), names.end(), a.name) == names.end()) names.push_back(a.name);
    sources.insert(set.sources()[a.source].path);
  }
  out["name"] = names.empty() ? std::string() : names.front();
  out["malware"] = names;
  out["sources"] = sources;
  const std::string& first = set.sources()[indicator.attributions.front().source].path;
  out["stix2_file_name"] = std::filesystem::path(first).filename().string();
  out["match"] = match.truncated       ? "truncated-process-name"
                 : match.parent_domain ? "parent-domain"
                                       : "exact";
  return out;
}

ModuleContext::ModuleContext(std::string slug, const vfs::IosBackup& backup,
                             const indicators::IndicatorSet* iocs, ModuleSinks sinks)
    : slug_(std::move(slug)), backup_(&backup), iocs_(iocs), sinks_(sinks) {}

ModuleContext::ModuleContext(std::string slug, const indicators::IndicatorSet* iocs)
    : slug_(std::move(slug)), backup_(nullptr), iocs_(iocs) {}

Json EventRef::json() const {
  if (tree_ != nullptr) return *tree_;
  // Text written by core::JsonObject is valid JSON; a failure would give a discarded value.
  return Json::parse(text_, nullptr, false);
}

void ModuleContext::emit(const Json& record) {
  count_record();
  if (sinks_.records != nullptr) sinks_.records->write(record);
}

void ModuleContext::emit_text(std::string_view record) {
  count_record();
  if (sinks_.records != nullptr) sinks_.records->write_text(record);
}

void ModuleContext::timeline(std::optional<Micros> when, std::string_view event,
                             std::string_view data) {
  if (!when) return;
  ++timeline_events;
  if (sinks_.timeline != nullptr) sinks_.timeline->add(*when, event, data);
}

void ModuleContext::alert(Level level, std::string message, std::optional<Micros> event_time,
                          EventRef event, const indicators::Match* match) {
  Alert a;
  a.level = level;
  a.module = slug_;
  a.message = std::move(message);
  a.event_time = event_time;
  a.event = event.json();
  if (match != nullptr && iocs_ != nullptr)
    a.matched_indicator = matched_indicator_json(*iocs_, *match);
  alerts.push_back(std::move(a));
}

void ModuleContext::url(const UrlResult& result) {
  if (sinks_.urls != nullptr) sinks_.urls->add(result);
}
void ModuleContext::warn(std::string message) { warnings.push_back(std::move(message)); }
void ModuleContext::not_found(std::string what) { missing.push_back(std::move(what)); }

bool ModuleContext::check_url(std::string_view url, EventRef event, Level level,
                              std::optional<Micros> when) {
  if (iocs_ == nullptr || url.empty()) return false;
  auto check = iocs_->match_url(url);
  if (check.matches.empty()) return false;
  const indicators::Match& m = check.matches.front();
  std::string shown = core::printable(url);
  std::string message;
  if (m.indicator->type == indicators::IocType::url) {
    message = "Found a known suspicious URL " + shown;
  } else if (m.parent_domain) {
    message = "Found a sub-domain with a suspicious top level " + shown;
  } else {
    message = "Found a known suspicious domain " + shown;
  }
  message += " matching indicator \"" + m.indicator->value + "\" from \"" + collection(m) + "\"";
  alert(level, std::move(message), when, event, &m);
  return true;
}

bool ModuleContext::check_text(std::string_view text, EventRef event, Level level,
                               std::optional<Micros> when) {
  if (iocs_ == nullptr || text.empty()) return false;
  bool any = false;
  for (const auto& link : core::extract_links(text))
    any = check_url(link.text, event, level, when) || any;
  return any;
}

bool ModuleContext::check_process(std::string_view name, EventRef event, Level level,
                                  std::optional<Micros> when) {
  if (iocs_ == nullptr || name.empty()) return false;
  auto matches = iocs_->match_process(name, indicators::Platform::ios);
  if (matches.empty()) return false;
  const auto& m = matches.front();
  alert(level,
        std::string(m.truncated ? "Found a truncated known suspicious process name \""
                                : "Found a known suspicious process name \"") +
            core::printable(name) + "\" matching indicators from \"" + collection(m) + "\"",
        when, event, &m);
  return true;
}

bool ModuleContext::check_file_path(std::string_view path, EventRef event, Level level,
                                    std::optional<Micros> when) {
  if (iocs_ == nullptr || path.empty()) return false;
  auto matches = iocs_->match_file_path(path);
  if (matches.empty()) return false;
  const auto& m = matches.front();
  std::string what =
      m.indicator->type == indicators::IocType::file_name ? "file name" : "file path";
  alert(level,
        "Found a known suspicious " + what + " \"" + core::printable(path) +
            "\" matching indicators from \"" + collection(m) + "\"",
        when, event, &m);
  return true;
}

bool ModuleContext::check_email(std::string_view address, EventRef event, Level level,
                                std::optional<Micros> when) {
  if (iocs_ == nullptr || address.empty()) return false;
  auto matches = iocs_->match_email(address);
  if (matches.empty()) return false;
  alert(level,
        "Found a known suspicious email address \"" + core::printable(address) +
            "\" matching indicators from \"" + collection(matches.front()) + "\"",
        when, event, &matches.front());
  return true;
}

bool ModuleContext::check_app_id(std::string_view id, EventRef event, Level level,
                                 std::optional<Micros> when) {
  if (iocs_ == nullptr || id.empty()) return false;
  auto matches = iocs_->match_app_id(id);
  if (matches.empty()) return false;
  alert(level,
        "Found a known suspicious app with ID \"" + core::printable(id) +
            "\" matching indicators from \"" + collection(matches.front()) + "\"",
        when, event, &matches.front());
  return true;
}

bool ModuleContext::check_profile(std::string_view uuid, EventRef event, Level level,
                                  std::optional<Micros> when) {
  if (iocs_ == nullptr || uuid.empty()) return false;
  auto matches = iocs_->match_profile(uuid);
  if (matches.empty()) return false;
  alert(level,
        "Found a known suspicious profile ID \"" + core::printable(uuid) +
            "\" matching indicators from \"" + collection(matches.front()) + "\"",
        when, event, &matches.front());
  return true;
}

}  // namespace vigil::modules
