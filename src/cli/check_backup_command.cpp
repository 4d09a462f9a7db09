// `vigil check-backup BACKUP [-o OUT]`: every iOS backup module, IOC matching, heuristics, and
// the output files of docs/output.md.
#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <future>
#include <map>

#include "cli/backup_key.hpp"
#include "cli/check_backup.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/ioc_options.hpp"
#include "core/hash.hpp"
#include "core/text.hpp"
#include "engine/runner.hpp"
#include "report/html_report.hpp"
#include "report/writers.hpp"

namespace vigil::cli {

namespace {

namespace fs = std::filesystem;
using modules::Json;
using modules::Level;

class CommandLog {
 public:
  explicit CommandLog(const std::optional<fs::path>& path) {
    if (path) file_ = std::fopen(path->c_str(), "ab");
  }
  ~CommandLog() {
    if (file_) std::fclose(file_);
  }
  CommandLog(const CommandLog&) = delete;
  CommandLog& operator=(const CommandLog&) = delete;
  void line(std::string_view level, std::string_view message) {
    if (!file_) return;
    std::string stamp = now_iso().substr(0, 23);
    fmt::print(file_, "{} - vigil - {} - {}\n", stamp, level, core::printable(message));
  }

 private:
  std::FILE* file_ = nullptr;
};

// Wall and CPU time (all threads) between the steps of a check, for command.log.
class Stopwatch {
 public:
  std::string lap() {
    auto now = std::chrono::steady_clock::now();
    std::clock_t cpu = std::clock();
    std::string text =
        fmt::format("{:.2f} s (CPU {:.2f} s)", std::chrono::duration<double>(now - last_).count(),
                    static_cast<double>(cpu - last_cpu_) / CLOCKS_PER_SEC);
    last_ = now;
    last_cpu_ = cpu;
    return text;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
  std::clock_t last_cpu_ = std::clock();
};

std::vector<fs::path> tree_files(const fs::path& root) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec)) files.push_back(it->path());
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<Json> hash_files(const std::vector<fs::path>& files) {
  std::vector<Json> out;
  for (const auto& f : files) {
    Json j;
    j["file_path"] = f.string();
    auto digest = core::sha256_file_hex(f);
    j["sha256"] = digest ? Json(*digest) : Json(nullptr);
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace

int run_check_backup(CheckBackupArgs& args) {
  // In a batch nothing is printed: errors and notes go to args.messages.
  Say say = [&](const std::string& message) {
    if (args.messages != nullptr)
      args.messages->push_back(message);
    else
      say_on_stderr(message);
  };
  if (args.list_modules) {
    for (const auto* spec : modules::backup_modules())
      fmt::print("{:32} {}\n", spec->slug, spec->summary);
    return kExitOk;
  }
  std::optional<Level> fail_on;
  if (!args.fail_on.empty()) fail_on = modules::level_from_string(args.fail_on);
  for (const auto& slug : args.modules) {
    auto all = modules::backup_modules();
    if (std::none_of(all.begin(), all.end(), [&](const auto* s) { return s->slug == slug; })) {
      say(fmt::format("error: no module named {} (vigil check-backup --list-modules)", slug));
      return kExitUsage;
    }
  }

  std::string started = now_iso();
  std::string error, note;
  auto backup = vfs::IosBackup::open(args.backup, error, note);
  if (!backup) {
    say("error: " + error);
    return kExitBadInput;
  }
  if (!note.empty()) say(note);
  // A damaged keybag, ManifestKey or Manifest.db still lets the rest (Info.plist…) be checked.
  int read_status = kExitOk;
  if (!backup->problem().empty()) {
    say("error: " + backup->problem());
    read_status = kExitBadInput;
  }
  if (backup->encrypted()) {
    bool damaged = false;
    int status = unlock_backup(*backup, args.keys, damaged, say);
    if (status != kExitOk && !damaged) return status;
    if (damaged) {
      say("checking what can be read without it");
      read_status = kExitBadInput;
    }
  }
  args.keys.wipe();
  std::optional<fs::path> out;
  if (!args.output.empty()) {
    out = fs::path(args.output);
    auto abs_out = fs::weakly_canonical(*out), abs_in = fs::weakly_canonical(backup->root());
    auto rel = abs_out.lexically_relative(abs_in);
    if (!rel.empty() && *rel.begin() != "..") {
      say(fmt::format("error: the output folder must not be inside the evidence ({})",
                      backup->root().string()));
      return kExitUsage;
    }
    std::error_code ec;
    fs::create_directories(*out, ec);
    if (ec) {
      say(fmt::format("error: cannot create the output folder {}: {}", out->string(),
                      ec.message()));
      return kExitBadInput;
    }
  }
  CommandLog log(out ? std::optional<fs::path>(*out / "command.log") : std::nullopt);
  log.line("INFO",
           "vigil " + std::string(VIGIL_VERSION) + " check-backup " + backup->root().string());

  indicators::IndicatorSet set;
  indicators::LoadReport load_report;
  set = indicators::load_indicators(args.iocs.resolved(), load_report);
  for (const auto& e : load_report.errors) {
    say("error: " + e);
    log.line("ERROR", e);
  }
  log.line("INFO", fmt::format("loaded {} distinct indicators from {} files", set.size(),
                               set.sources().size()));

  // The timeline is only kept when it is written; its run files go to the output folder.
  std::optional<report::Timeline> timeline;
  if (out) timeline.emplace(*out);
  engine::RunOptions options;
  options.output = out;
  options.timeline = timeline ? &*timeline : nullptr;
  options.modules = args.modules;
  options.jobs = args.jobs;
  const bool tty = args.messages == nullptr && isatty(STDERR_FILENO) != 0;
  if (tty) {
    options.progress = [](const engine::Progress& p) {
      std::string line = fmt::format("\r\033[K[{}/{}]", p.done, p.total);
      for (const auto& [slug, records] : p.running)
        line += fmt::format(" {} {} records", slug, records);
      fmt::print(stderr, "{}", line);
    };
  }
  Stopwatch phase;
  auto outcomes = engine::run_backup(*backup, set.size() ? &set : nullptr, options);
  log.line("INFO", "modules ran in " + phase.lap());
  if (tty) fmt::print(stderr, "\r\033[K");

  std::size_t warnings = 0, timeline_events = 0;
  std::map<Level, std::size_t> by_level;
  std::vector<const modules::Alert*> alerts;
  for (const auto& o : outcomes) {
    warnings += o.warnings.size();
    timeline_events += o.timeline_events;
    log.line("INFO",
             fmt::format("{}: {} records, {} timeline events, {} alerts in {:.2f} s", o.spec->slug,
                         o.records, o.timeline_events, o.alerts.size(), o.seconds));
    for (const auto& w : o.warnings) log.line("WARNING", std::string(o.spec->slug) + ": " + w);
    for (const auto& a : o.alerts) {
      ++by_level[a.level];
      alerts.push_back(&a);
      log.line(modules::to_string(a.level), std::string(o.spec->slug) + ": " + a.message);
    }
  }

  if (out) {
    // Written, the timeline loses the exact duplicates modules may have produced.
    // The files read are hashed on another core while the timeline is written.
    auto files_read =
        std::async(std::launch::async, [&backup] { return hash_files(backup->files_read()); });
    // report.html is written with the timeline, from the same merge; finished last.
    report::HtmlReportWriter html;
    const bool html_open = html.open(*out, timeline_events);
    auto written = timeline->write(*out / "timeline.csv", *out / "timeline.jsonl",
                                   html_open ? &html : nullptr);
    bool ok = written.has_value();
    if (written) timeline_events = *written;
    log.line("INFO",
             fmt::format("timeline: {} events written in {}", timeline_events, phase.lap()));
    ok = report::write_alerts(*out, outcomes) && ok;
    ok = report::write_urls(*out / "urls.json", outcomes) && ok;
    log.line("INFO", fmt::format("alerts and urls.json written in {}", phase.lap()));
    Json info;
    info["vigil_version"] = VIGIL_VERSION;
    info["output_schema_version"] = report::kOutputSchemaVersion;
    info["command"] = "check-backup";
    info["command_line"] = command_line();
    info["target_path"] = backup->root().string();
    info["encrypted"] = backup->encrypted();
    info["started"] = started;
    info["ioc_files"] = report::ioc_files_json(set);
    info["hashes"] = args.hashes ? Json(hash_files(tree_files(backup->root()))) : Json::array();
    info["files_read"] = files_read.get();
    log.line("INFO", fmt::format("waited {} for the hashes of the files read", phase.lap()));
    Json mods = Json::array();
    for (const auto& o : outcomes) {
      Json m;
      m["module"] = std::string(o.spec->slug);
      m["records"] = o.records;
      m["timeline_events"] = o.timeline_events;
      m["alerts"] = o.alerts.size();
      m["warnings"] = o.warnings;
      m["not_present"] = o.missing;
      mods.push_back(std::move(m));
    }
    info["modules"] = std::move(mods);
    info["warnings"] = warnings;
    info["finished"] = now_iso();
    ok = report::write_text(*out / "info.json", report::dump(info, 4) + "\n") && ok;
    std::string report_error;
    if (!html_open || !html.finish(timeline_events, report_error)) {
      say("error: " +
          (html_open ? report_error : "cannot write " + (*out / "report.html").string()));
      ok = false;
    }
    log.line("INFO", fmt::format("report.html finished in {}", phase.lap()));
    if (!ok) {
      say("error: could not write every output file to " + out->string());
      return kExitBadInput;
    }
  }

  // Summary: modules, then alerts, most severe first.
  if (args.messages == nullptr) {
    fmt::print("{:34} {:>9} {:>9} {:>7} {:>8}\n", "module", "records", "timeline", "alerts",
               "warnings");
    for (const auto& o : outcomes) {
      std::string state = !o.failure.empty()                       ? "failed"
                          : (o.records == 0 && !o.missing.empty()) ? "not present"
                                                                   : "";
      fmt::print("{:34} {:>9} {:>9} {:>7} {:>8} {}\n", o.spec->slug, o.records, o.timeline_events,
                 o.alerts.size(), o.warnings.size(), state);
    }
    fmt::print(
        "\n{} timeline events; alerts: {} CRITICAL, {} HIGH, {} MEDIUM, {} LOW, {} INFORMATIONAL; "
        "{} "
        "warnings\n",
        timeline_events, by_level[Level::critical], by_level[Level::high], by_level[Level::medium],
        by_level[Level::low], by_level[Level::informational], warnings);
    std::stable_sort(alerts.begin(), alerts.end(),
                     [](const auto* a, const auto* b) { return a->level > b->level; });
    for (const auto* a : alerts)
      fmt::print("  {:13} {:28} {}\n", modules::to_string(a->level), a->module,
                 core::printable(a->message));
    if (out) fmt::print("\nResults written to {} (open report.html)\n", out->string());
  }

  if (read_status != kExitOk) return read_status;
  if (!load_report.errors.empty()) return kExitIocError;
  if (fail_on && std::any_of(alerts.begin(), alerts.end(),
                             [&](const auto* a) { return a->level >= *fail_on; }))
    return kExitFound;
  return kExitOk;
}

Runner add_check_backup_command(CLI::App& app) {
  auto args = std::make_shared<CheckBackupArgs>();
  CLI::App* command = app.add_subcommand("check-backup", "Check an iTunes/Finder iOS backup");
  command->add_option("backup", args->backup,
                      "backup folder (or a MobileSync/Backup folder with one backup)");
  command->add_option("-o,--output", args->output, "folder for the results (docs/output.md)");
  args->iocs.add_to(*command);
  args->keys.add_to(*command,
                    "file holding the derived key of an encrypted backup (vigil extract-key)");
  command
      ->add_option("--fail-on", args->fail_on,
                   "exit with status 1 when an alert of this level or above is raised")
      ->check(CLI::IsMember({"informational", "low", "medium", "high", "critical", "INFORMATIONAL",
                             "LOW", "MEDIUM", "HIGH", "CRITICAL"}));
  command->add_option("-m,--module", args->modules, "run only this module (repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  command->add_flag("--hashes", args->hashes,
                    "record the SHA-256 of every file of the backup in info.json");
  command->add_flag("--list-modules", args->list_modules, "list the modules and exit");
  command->add_option("-j,--jobs", args->jobs, "modules run in parallel (default: one per core)");
  return [args, command]() {
    if (args->backup.empty() && !args->list_modules) {
      fmt::print(stderr, "vigil: error: check-backup needs a backup folder\n{}", command->help());
      return static_cast<int>(kExitUsage);
    }
    return run_check_backup(*args);
  };
}

}  // namespace vigil::cli
