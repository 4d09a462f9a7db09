// vigil: offline forensic checks of phones for traces of mercenary spyware.
#include <fmt/core.h>
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <exception>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "core/time.hpp"

namespace vigil::cli {
namespace {
std::string g_command_line;
}  // namespace
void set_command_line(int argc, char** argv) {
  g_command_line.clear();
  for (int i = 0; i < argc; ++i) {
    if (i) g_command_line += ' ';
    std::string_view arg = argv[i];
    if (i > 0 && std::string_view(argv[i - 1]) == "--password")
      g_command_line += "***";
    else if (arg.starts_with("--password="))
      g_command_line += "--password=***";
    else
      g_command_line += arg;
  }
}
const std::string& command_line() { return g_command_line; }
std::string now_iso() {
  auto now = std::chrono::system_clock::now();
  return core::format_iso(
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count());
}
}  // namespace vigil::cli

int main(int argc, char** argv) {
  using namespace vigil::cli;
  // Buffers of 1 MiB and more (output, timeline runs) come from and go back to the kernel.
  // glibc's default threshold rises to 32 MiB after the first such free; the buffers then stay
  // in the per-thread heaps and each module thread's peak adds to the check's memory.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  CLI::App app{"vigil: offline checks of phone acquisitions for traces of mercenary spyware",
               "vigil"};
  app.set_version_flag("--version", std::string("vigil ") + VIGIL_VERSION);
  app.require_subcommand(1);
  Runner iocs = add_iocs_command(app);
  Runner download = add_download_iocs_command(app);
  Runner check_backup = add_check_backup_command(app);
  Runner report = add_report_command(app);
  Runner check_iocs = add_check_iocs_command(app);
  Runner check_batch = add_check_batch_command(app);
  Runner decrypt_backup = add_decrypt_backup_command(app);
  Runner extract_key = add_extract_key_command(app);
  set_command_line(argc, argv);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  try {
    if (app.got_subcommand("iocs")) return iocs();
    if (app.got_subcommand("download-iocs")) return download();
    if (app.got_subcommand("check-backup")) return check_backup();
    if (app.got_subcommand("report")) return report();
    if (app.got_subcommand("check-iocs")) return check_iocs();
    if (app.got_subcommand("check-batch")) return check_batch();
    if (app.got_subcommand("decrypt-backup")) return decrypt_backup();
    if (app.got_subcommand("extract-key")) return extract_key();
  } catch (const std::exception& e) {
    fmt::print(stderr, "vigil: internal error: {}\n", e.what());
    return kExitInternal;
  }
  return kExitUsage;
}
