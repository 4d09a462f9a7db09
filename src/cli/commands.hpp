// The sub-commands. Each registers its options on a CLI11 sub-app and returns the function that
// runs it; the function returns the process exit status (exit_codes.hpp).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace vigil::cli {

using Runner = std::function<int()>;

Runner add_iocs_command(CLI::App& app);
Runner add_download_iocs_command(CLI::App& app);
Runner add_check_backup_command(CLI::App& app);
Runner add_report_command(CLI::App& app);
Runner add_check_iocs_command(CLI::App& app);
Runner add_check_batch_command(CLI::App& app);
Runner add_decrypt_backup_command(CLI::App& app);
Runner add_extract_key_command(CLI::App& app);

/// The command line as given, for info.json and command.log, with --password values redacted.
void set_command_line(int argc, char** argv);
const std::string& command_line();
/// The current UTC time as info.json and command.log write it.
std::string now_iso();

}  // namespace vigil::cli
