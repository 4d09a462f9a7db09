// check-backup as a function: the command line runs it once, check-batch once per case.
#pragma once

#include <string>
#include <vector>

#include "cli/backup_key.hpp"
#include "cli/ioc_options.hpp"

namespace vigil::cli {

struct CheckBackupArgs {
  IocFlags iocs;
  KeyFlags keys;
  std::string backup;
  std::string output;
  std::string fail_on;
  std::vector<std::string> modules;
  bool hashes = false;
  bool list_modules = false;
  unsigned jobs = 0;
  /// Set: nothing is printed; errors and notes are collected here (check-batch).
  std::vector<std::string>* messages = nullptr;
};

/// Checks one backup into `args.output`; the exit status of docs/exit-codes.md.
int run_check_backup(CheckBackupArgs& args);

}  // namespace vigil::cli
