// `vigil report OUT`: (re)writes OUT/report.html from the output files of an earlier check, e.g.
// one made by an older vigil.
#include <fmt/core.h>

#include <filesystem>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "report/html_report.hpp"

namespace vigil::cli {

Runner add_report_command(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  CLI::App* command =
      app.add_subcommand("report", "Write report.html for the results of an earlier check");
  command->add_option("output", *dir, "folder holding the results (info.json, timeline.jsonl, …)")
      ->required();
  return [dir]() {
    std::string error;
    report::HtmlReportStats stats;
    if (!report::write_html_report(*dir, error, &stats)) {
      fmt::print(stderr, "vigil: error: {}\n", error);
      return static_cast<int>(kExitBadInput);
    }
    fmt::print("{}: {} timeline events, {} bytes\n",
               (std::filesystem::path(*dir) / "report.html").string(), stats.events, stats.bytes);
    return static_cast<int>(kExitOk);
  };
}

}  // namespace vigil::cli
