// The key of an encrypted backup, from the command line: a derived key (--key-file) or a password
// (--password, --password-file, $VIGIL_BACKUP_PASSWORD, or asked for without echo on a terminal)
// run through the keybag's key derivation, with progress on a terminal. Passwords are wiped
// after use and never printed or logged.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>

#include "vfs/ios_backup.hpp"

namespace vigil::cli {

struct KeyFlags {
  std::string password;
  std::string password_file;
  std::string key_file;
  /// Off in a batch: no password prompt and no progress line, as cases run side by side.
  bool interactive = true;

  /// Registers the password options and, when `key_file_help` is given, --key-file.
  void add_to(CLI::App& command, const char* key_file_help);
  /// Wipes the password held from the command line.
  void wipe();
};

/// Where errors go: one sentence each, without the "vigil: " prefix.
using Say = std::function<void(const std::string&)>;
/// Prints "vigil: MESSAGE" on stderr.
void say_on_stderr(const std::string& message);

/// The derived key for `keybag`: read from --key-file when `use_key_file`, else derived from the
/// password. nullopt after printing why, with `status` set (kExitEncrypted when no password is
/// available, kExitBadInput for an unreadable password or key file).
std::optional<vfs::Key> obtain_key(const vfs::IosBackup& backup, const vfs::Keybag& keybag,
                                   KeyFlags& flags, bool use_key_file, int& status,
                                   const Say& say = say_on_stderr);

/// Obtains the key and unlocks an encrypted backup, printing any error (one sentence for a
/// wrong password). Returns kExitOk, or the exit status; `damaged` is set when the keybag,
/// ManifestKey or Manifest.db is unusable (the status is then kExitBadInput).
int unlock_backup(vfs::IosBackup& backup, KeyFlags& flags, bool& damaged,
                  const Say& say = say_on_stderr);

}  // namespace vigil::cli
