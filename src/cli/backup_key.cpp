#include "cli/backup_key.hpp"

#include <fmt/core.h>
#include <openssl/crypto.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/exit_codes.hpp"
#include "core/file.hpp"

namespace vigil::cli {

namespace {

void wipe(std::string& secret) {
  OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
}

// Key and password files are a line long; anything near this size is not one.
std::optional<std::string> read_secret_file(const std::string& path) {
  return core::read_whole_file(path, 1 << 20);
}

// Reads one line from the terminal with echo off.
std::optional<std::string> prompt_password(const std::string& what) {
  fmt::print(stderr, "Password of the encrypted backup {}: ", what);
  std::fflush(stderr);
  termios saved{};
  bool restore = tcgetattr(STDIN_FILENO, &saved) == 0;
  if (restore) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  if (restore) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  fmt::print(stderr, "\n");
  if (!got) return std::nullopt;
  return line;
}

std::string thousands(std::uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

void KeyFlags::add_to(CLI::App& command, const char* key_file_help) {
  command.add_option("--password", password,
                     "password of an encrypted backup (visible to other users in the process "
                     "list: prefer --password-file, $VIGIL_BACKUP_PASSWORD or the prompt)");
  command.add_option("--password-file", password_file,
                     "file whose first line is the backup password");
  if (key_file_help != nullptr) command.add_option("--key-file", key_file, key_file_help);
}

void KeyFlags::wipe() { cli::wipe(password); }

void say_on_stderr(const std::string& message) { fmt::print(stderr, "vigil: {}\n", message); }

std::optional<vfs::Key> obtain_key(const vfs::IosBackup& backup, const vfs::Keybag& keybag,
                                   KeyFlags& flags, bool use_key_file, int& status,
                                   const Say& say) {
  if (use_key_file && !flags.key_file.empty()) {
    auto text = read_secret_file(flags.key_file);
    std::optional<vfs::Key> key = text ? vfs::Key::from_hex(*text) : std::nullopt;
    if (text) wipe(*text);
    if (!key) {
      say(fmt::format("error: the key file {} {}", flags.key_file,
                      text ? "does not hold a key (64 hex digits, as `vigil extract-key` writes)"
                           : "cannot be read"));
      status = kExitBadInput;
    }
    return key;
  }
  std::string password;
  if (!flags.password.empty()) {
    password = flags.password;
    flags.wipe();
  } else if (!flags.password_file.empty()) {
    auto text = read_secret_file(flags.password_file);
    if (!text) {
      say(fmt::format("error: the password file {} cannot be read", flags.password_file));
      status = kExitBadInput;
      return std::nullopt;
    }
    password = text->substr(0, text->find('\n'));
    if (!password.empty() && password.back() == '\r') password.pop_back();
    wipe(*text);
  } else if (const char* env = std::getenv("VIGIL_BACKUP_PASSWORD"); env && *env) {
    password = env;
  } else if (flags.interactive && isatty(STDIN_FILENO) != 0) {
    auto typed = prompt_password(backup.root().string());
    if (typed) password = std::move(*typed);
  }
  if (password.empty()) {
    say(
        fmt::format("error: {} is an encrypted backup: give its password (--password-file "
                    "FILE, $VIGIL_BACKUP_PASSWORD, --password, or run on a terminal to be asked) "
                    "or its derived key (--key-file FILE, from `vigil extract-key`)",
                    backup.root().string()));
    status = kExitEncrypted;
    return std::nullopt;
  }
  vfs::KdfProgress progress;
  const bool tty = flags.interactive && isatty(STDERR_FILENO) != 0;
  if (tty) {
    std::string rounds = thousands(keybag.dp_iterations) + (keybag.dp_iterations ? " + " : "") +
                         thousands(keybag.iterations);
    progress = [rounds](double done) {
      fmt::print(stderr, "\r\033[Kderiving the backup key ({} PBKDF2 rounds): {:3.0f} %", rounds,
                 100 * done);
      std::fflush(stderr);
    };
  }
  std::string error;
  auto key = vfs::derive_key(password, keybag, progress, error);
  wipe(password);
  if (tty) fmt::print(stderr, "\r\033[K");
  if (!key) {
    say("error: " + error);
    status = kExitBadInput;
  }
  return key;
}

int unlock_backup(vfs::IosBackup& backup, KeyFlags& flags, bool& damaged, const Say& say) {
  damaged = false;
  std::string error;
  auto keybag = backup.keybag(error);
  if (!keybag) {
    say("error: " + error);
    damaged = true;
    return kExitBadInput;
  }
  int status = kExitOk;
  auto key = obtain_key(backup, *keybag, flags, true, status);
  if (!key) return status;
  switch (backup.unlock(*key, error)) {
    case vfs::IosBackup::Unlock::ok:
      return kExitOk;
    case vfs::IosBackup::Unlock::wrong_key:
      say("error: " + error);
      return kExitWrongKey;
    case vfs::IosBackup::Unlock::damaged:
      break;
  }
  say("error: " + error);
  damaged = true;
  return kExitBadInput;
}

}  // namespace vigil::cli
