// `vigil check-iocs OUT -o NEWOUT`: the records of an earlier check (vigil's output folder, or
// MVT's per-module JSON) matched again against the indicators given now, without the evidence.
// NEWOUT gets the same files as a direct check; OUT is only read.
#include <fmt/core.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <utility>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/ioc_options.hpp"
#include "core/file.hpp"
#include "core/text.hpp"
#include "core/time.hpp"
#include "modules/rematch.hpp"
#include "report/html_report.hpp"
#include "report/timeline.hpp"
#include "report/writers.hpp"

namespace vigil::cli {

namespace {

namespace fs = std::filesystem;
using modules::Json;
using modules::Level;

struct CheckIocsArgs {
  IocFlags iocs;
  std::string input;
  std::string output;
};

std::optional<Json> read_json(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  auto j = Json::parse(in, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

// An alert of alerts.json (vigil's or MVT's) back in memory.
modules::Alert alert_from_json(const Json& j) {
  modules::Alert a;
  a.level = modules::level_from_string(j.value("level", "")).value_or(Level::informational);
  a.module = j.value("module", "");
  a.message = j.value("message", "");
  a.event_time = core::parse_iso(j.value("event_time", ""));
  a.event = modules::field(j, "event");
  a.matched_indicator = modules::field(j, "matched_indicator");
  return a;
}

// Splits RFC 4180 CSV (quoted fields, "" for a quote, CRLF or LF line ends) into rows.
template <typename Row>
void for_each_csv_row(std::string_view text, Row&& row) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c != '"')
        fields.back() += c;
      else if (i + 1 < text.size() && text[i + 1] == '"')
        fields.back() += text[++i];
      else
        quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row(fields);
      fields.assign(1, "");
    } else {
      fields.back() += c;
    }
  }
  if (fields.size() > 1 || !fields.back().empty()) row(fields);
}

// MVT's timeline.csv ("UTC Timestamp","Plugin","Event","Description") into vigil's timeline.
bool import_timeline(const fs::path& csv, const fs::path& out, std::size_t& events) {
  std::string text = core::read_whole_file(csv).value_or("");
  std::map<std::string, const modules::ModuleSpec*> by_name;
  for (const auto* spec : modules::backup_modules()) by_name[std::string(spec->name)] = spec;
  report::Timeline timeline(out);
  std::map<std::string, std::unique_ptr<report::ModuleTimeline>> sinks;
  bool header = true;
  for_each_csv_row(text, [&](const std::vector<std::string>& f) {
    if (std::exchange(header, false) || f.size() != 4) return;
    auto when = core::parse_iso(f[0]);
    if (!when) return;
    auto& sink = sinks[f[1]];
    if (!sink) {
      auto it = by_name.find(f[1]);
      std::string slug =
          it != by_name.end() ? std::string(it->second->slug) : core::to_lower_ascii(f[1]);
      sink = std::make_unique<report::ModuleTimeline>(timeline, slug, f[1]);
    }
    sink->add(*when, f[2], f[3]);
  });
  for (auto& [name, sink] : sinks) sink->close();
  auto written = timeline.write(out / "timeline.csv", out / "timeline.jsonl");
  if (written) events = *written;
  return written.has_value();
}

int run_check_iocs(const CheckIocsArgs& args) {
  const std::string started = now_iso();
  const fs::path in = args.input;
  auto old_info = read_json(in / "info.json");
  if (!fs::is_directory(in) || !old_info || !old_info->is_object()) {
    fmt::print(stderr, "vigil: error: {} is not the output folder of a check (no info.json)\n",
               in.string());
    return kExitBadInput;
  }
  const bool from_mvt = old_info->contains("mvt_version");
  const fs::path out = args.output;
  auto abs_out = fs::weakly_canonical(fs::absolute(out)), abs_in = fs::weakly_canonical(in);
  auto rel = abs_out.lexically_relative(abs_in);
  if (rel.empty() || *rel.begin() != "..") {
    fmt::print(stderr, "vigil: error: the new output folder must be outside {}\n", in.string());
    return kExitUsage;
  }
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) {
    fmt::print(stderr, "vigil: error: cannot create the output folder {}: {}\n", out.string(),
               ec.message());
    return kExitBadInput;
  }

  indicators::LoadReport load_report;
  auto set = indicators::load_indicators(args.iocs.resolved(), load_report);
  for (const auto& e : load_report.errors) fmt::print(stderr, "vigil: error: {}\n", e);
  const indicators::IndicatorSet* iocs = set.size() ? &set : nullptr;

  // The earlier run's per-module figures, warnings and heuristic alerts (they do not depend on
  // the indicators) are kept; indicator alerts are recomputed from the records.
  std::map<std::string, Json> old_modules;
  for (const auto& m : modules::field(*old_info, "modules"))
    if (m.is_object()) old_modules[m.value("module", "")] = m;
  std::map<std::string, std::vector<modules::Alert>> heuristics;
  if (auto old_alerts = read_json(in / "alerts.json"); old_alerts && old_alerts->is_array())
    for (const auto& a : *old_alerts)
      if (modules::field(a, "matched_indicator").is_null() &&
          !modules::rematch_raises(a.value("module", ""), a.value("message", "")))
        heuristics[a.value("module", "")].push_back(alert_from_json(a));

  bool ok = true;
  std::vector<report::ModuleOutcome> outcomes;
  for (const auto* spec : modules::backup_modules()) {
    const std::string slug(spec->slug);
    report::ModuleOutcome o;
    o.spec = spec;
    modules::ModuleContext ctx(slug, iocs);
    const fs::path file = in / (slug + ".json");
    if (fs::exists(file)) {
      auto records = read_json(file);
      if (!records) {
        o.warnings.push_back(file.string() + ": not valid JSON; its records were not re-matched");
      } else {
        report::JsonRecordFile sink(out / (slug + ".json"), spec->object_result);
        if (records->is_array()) {
          for (const auto& r : *records) {
            sink.write(r);
            modules::rematch_record(slug, ctx, r);
          }
          o.records = records->size();
        } else {
          sink.write(*records);
          o.records = 1;
        }
        ok = sink.close() && ok;
      }
    }
    if (auto it = old_modules.find(slug); it != old_modules.end()) {
      const Json& old = it->second;
      o.timeline_events = old.value("timeline_events", std::size_t{0});
      auto text = [](const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
      for (const auto& w : modules::field(old, "warnings")) o.warnings.push_back(text(w));
      for (const auto& w : modules::field(old, "not_present")) o.missing.push_back(text(w));
    }
    o.alerts = std::move(heuristics[slug]);
    for (auto& a : ctx.alerts) o.alerts.push_back(std::move(a));
    outcomes.push_back(std::move(o));
  }

  std::size_t events = 0;
  if (from_mvt) {
    ok = import_timeline(in / "timeline.csv", out, events) && ok;
  } else {
    for (const char* name : {"timeline.csv", "timeline.jsonl"})
      if (fs::exists(in / name))
        ok = fs::copy_file(in / name, out / name, fs::copy_options::overwrite_existing, ec) && ok;
  }
  if (fs::exists(in / "urls.json"))
    ok = fs::copy_file(in / "urls.json", out / "urls.json", fs::copy_options::overwrite_existing,
                       ec) &&
         ok;
  ok = report::write_alerts(out, outcomes) && ok;

  Json info;
  info["vigil_version"] = VIGIL_VERSION;
  info["output_schema_version"] = report::kOutputSchemaVersion;
  info["command"] = "check-iocs";
  info["command_line"] = command_line();
  info["target_path"] = old_info->value("target_path", "");
  info["source_output"] = fs::absolute(in).lexically_normal().string();
  info["source_tool"] = from_mvt ? "mvt " + old_info->value("mvt_version", "")
                                 : "vigil " + old_info->value("vigil_version", "");
  info["started"] = started;
  info["ioc_files"] = report::ioc_files_json(set);
  info["hashes"] = old_info->value("hashes", Json::array());
  Json mods = Json::array();
  std::size_t warnings = 0;
  std::map<Level, std::size_t> by_level;
  for (const auto& o : outcomes) {
    warnings += o.warnings.size();
    for (const auto& a : o.alerts) ++by_level[a.level];
    mods.push_back({{"module", o.spec->slug},
                    {"records", o.records},
                    {"timeline_events", o.timeline_events},
                    {"alerts", o.alerts.size()},
                    {"warnings", o.warnings},
                    {"not_present", o.missing}});
  }
  info["modules"] = std::move(mods);
  info["warnings"] = warnings;
  info["finished"] = now_iso();
  ok = report::write_text(out / "info.json", report::dump(info, 4) + "\n") && ok;
  std::string error;
  if (ok && !report::write_html_report(out, error)) fmt::print(stderr, "vigil: error: {}\n", error);
  if (!ok || !error.empty()) {
    fmt::print(stderr, "vigil: error: could not write every output file to {}\n", out.string());
    return kExitBadInput;
  }

  fmt::print("alerts: {} CRITICAL, {} HIGH, {} MEDIUM, {} LOW, {} INFORMATIONAL\n",
             by_level[Level::critical], by_level[Level::high], by_level[Level::medium],
             by_level[Level::low], by_level[Level::informational]);
  for (const auto& o : outcomes)
    for (const auto& a : o.alerts)
      if (!a.matched_indicator.is_null())
        fmt::print("  {:13} {:28} {}\n", modules::to_string(a.level), a.module,
                   core::printable(a.message));
  fmt::print("\nResults written to {} (open report.html)\n", out.string());
  return load_report.errors.empty() ? kExitOk : kExitIocError;
}

}  // namespace

Runner add_check_iocs_command(CLI::App& app) {
  auto args = std::make_shared<CheckIocsArgs>();
  CLI::App* command = app.add_subcommand(
      "check-iocs", "Match the records of an earlier check (vigil's or MVT's output) again");
  command->add_option("results", args->input, "output folder of vigil check-* or of mvt-ios")
      ->required();
  command->add_option("-o,--output", args->output, "new folder for the results")->required();
  args->iocs.add_to(*command);
  return [args]() { return run_check_iocs(*args); };
}

}  // namespace vigil::cli
