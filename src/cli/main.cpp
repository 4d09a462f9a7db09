// vigil: offline forensic checks of phones for traces of mercenary spyware.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"

int main(int argc, char** argv) {
  using namespace vigil::cli;
  CLI::App app{"vigil: offline checks of phone acquisitions for traces of mercenary spyware",
               "vigil"};
  app.set_version_flag("--version", std::string("vigil ") + VIGIL_VERSION);
  app.require_subcommand(1);
  Runner iocs = add_iocs_command(app);
  Runner download = add_download_iocs_command(app);
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
  } catch (const std::exception& e) {
    fmt::print(stderr, "vigil: internal error: {}\n", e.what());
    return kExitInternal;
  }
  return kExitUsage;
}
