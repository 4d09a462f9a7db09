// The sub-commands. Each registers its options on a CLI11 sub-app and returns the function that
// runs it; the function returns the process exit status (exit_codes.hpp).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace vigil::cli {

using Runner = std::function<int()>;

Runner add_iocs_command(CLI::App& app);
Runner add_download_iocs_command(CLI::App& app);

}  // namespace vigil::cli
