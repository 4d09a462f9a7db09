// MCProfileEvents.plist: the log of configuration-profile operations (install, remove…) kept by
// ManagedConfiguration. Location: Library/ConfigurationProfiles/MCProfileEvents.plist, normally
// in SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles (every domain holding
// that path is read). Key ProfileEvents = a list of one-key dicts {<profile identifier or
// UUID>: {timestamp (plist date), operation, process, …}}. Why it matters: it tells which
// process installed a profile and when — a profile pushed by an exploit or an unexpected
// process stands out, and known malicious profile UUIDs are published as indicators. Every
// event is reported (LOW), as MVT does, so that an analyst reviews them.
#include "core/text.hpp"
#include "modules/ios/common.hpp"
#include "modules/ios/system_util.hpp"

namespace vigil::modules::ios {

namespace {

constexpr std::string_view kPath = "Library/ConfigurationProfiles/MCProfileEvents.plist";

void parse_events(ModuleContext& ctx, core::PlistRef events) {
  for (std::size_t i = 0; i < events.size(); ++i) {
    auto items = events.at(i).items();
    if (items.empty()) continue;
    const auto& [profile_id, details] = items.front();
    Json r;
    r["profile_id"] = core::utf8_or_escaped(profile_id);
    r["timestamp"] = nullptr;
    r["operation"] = "";
    r["process"] = "";
    std::optional<Micros> when;
    for (const auto& [key, value] : details.items()) {
      std::string lower = core::to_lower_ascii(core::utf8_or_escaped(key));
      if (lower == "timestamp") {
        when = value.date();
        r["timestamp"] = iso_or_null(when);
      } else {
        r[lower] = value.to_json();
      }
    }
    std::string id = sys::json_string(r, "profile_id");
    std::string process = py_str(r["process"]);
    std::string operation = py_str(r["operation"]);
    std::string shown_time = when ? core::format_iso(*when) : std::string();
    ctx.timeline(when, "profile_operation",
                 "Process " + process + " started operation " + operation + " of profile " + id);
    ctx.alert(Level::low,
              "On " + shown_time + " process \"" + core::printable(process) +
                  "\" started operation \"" + core::printable(operation) + "\" of profile \"" +
                  core::printable(id) + "\"",
              when, r);
    if (!(r["process"].is_string() && ctx.check_process(sys::json_string(r, "process"), r)))
      ctx.check_profile(id, r);
    ctx.emit(r);
  }
}

void run(ModuleContext& ctx) {
  auto files = ctx.backup().find_path(kPath);
  if (files.empty()) {
    ctx.not_found(std::string(kPath));
    return;
  }
  for (const auto& file : files) {
    std::string what = core::utf8_or_escaped(file.domain) + "/" + std::string(kPath);
    auto plist = read_plist_id(ctx, file.file_id, what);
    if (!plist) continue;
    core::PlistRef events = plist->root()["ProfileEvents"];
    if (!events.is_array()) {
      if (events.valid() || !plist->root().is_dict())
        ctx.warn(what + ": ProfileEvents is not a list (schema not recognised)");
      continue;
    }
    parse_events(ctx, events);
  }
}

}  // namespace

extern const ModuleSpec kProfileEvents{"profile_events", "ProfileEvents",
                                       "Configuration profile operations (MCProfileEvents.plist)",
                                       run};

}  // namespace vigil::modules::ios
