// `vigil decrypt-backup BACKUP -d DEST`: a plain copy of an encrypted backup (for other tools;
// check-backup reads encrypted backups directly). `vigil extract-key BACKUP`: the derived key, so
// that the slow key derivation runs once per case (--key-file of the other commands).
#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>

#include <filesystem>

#include "cli/backup_key.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"

namespace vigil::cli {

namespace {

namespace fs = std::filesystem;

struct CryptoArgs {
  KeyFlags keys;
  std::string backup;
  std::string dest;
};

// The backup, when it is one and is encrypted; else nullopt with `status` set.
std::optional<vfs::IosBackup> open_encrypted(const std::string& path, int& status) {
  std::string error, note;
  auto backup = vfs::IosBackup::open(path, error, note);
  if (!backup) {
    fmt::print(stderr, "vigil: error: {}\n", error);
    status = kExitBadInput;
    return std::nullopt;
  }
  if (!note.empty()) fmt::print(stderr, "vigil: {}\n", note);
  if (!backup->encrypted()) {
    fmt::print(stderr, "vigil: error: {} is not an encrypted backup (or is already decrypted)\n",
               backup->root().string());
    status = kExitBadInput;
    return std::nullopt;
  }
  return backup;
}

int run_decrypt(CryptoArgs& args) {
  int status = kExitOk;
  auto backup = open_encrypted(args.backup, status);
  if (!backup) return status;
  auto abs_dest = fs::weakly_canonical(args.dest), abs_in = fs::weakly_canonical(backup->root());
  auto rel = abs_dest.lexically_relative(abs_in);
  if (!rel.empty() && *rel.begin() != "..") {
    fmt::print(stderr, "vigil: error: the destination must not be inside the evidence ({})\n",
               backup->root().string());
    return kExitUsage;
  }
  bool damaged = false;
  status = unlock_backup(*backup, args.keys, damaged);
  if (status != kExitOk) return status;
  std::size_t written = 0, skipped = 0;
  std::string error;
  bool ok = backup->write_decrypted(
      args.dest,
      [&](const vfs::BackupFile& file, const std::string& why) {
        ++skipped;
        fmt::print(stderr, "vigil: warning: {}/{} ({}) not decrypted: {}\n", file.domain,
                   file.relative_path, file.file_id, why);
      },
      written, error);
  if (!ok) {
    fmt::print(stderr, "vigil: error: {}\n", error);
    return kExitBadInput;
  }
  fmt::print("Decrypted {} files of {} to {}{}\n", written, backup->root().string(), args.dest,
             skipped ? fmt::format(" ({} could not be decrypted)", skipped) : "");
  return skipped ? kExitBadInput : kExitOk;
}

int run_extract_key(CryptoArgs& args) {
  int status = kExitOk;
  auto backup = open_encrypted(args.backup, status);
  if (!backup) return status;
  std::string error;
  auto keybag = backup->keybag(error);
  if (!keybag) {
    fmt::print(stderr, "vigil: error: {}\n", error);
    return kExitBadInput;
  }
  auto key = obtain_key(*backup, *keybag, args.keys, false, status);
  if (!key) return status;
  // The key is only printed or written once it is known to open the backup.
  if (vfs::ClassKeys::unlock(*keybag, *key) == std::nullopt) {
    fmt::print(stderr,
               "vigil: error: wrong password: it does not unlock the keys of the encrypted "
               "backup {} (the key unwrap check failed)\n",
               backup->root().string());
    return kExitWrongKey;
  }
  std::string hex = key->hex();
  if (args.keys.key_file.empty()) {
    fmt::print("{}\n", hex);
  } else {
    int fd = ::open(args.keys.key_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size());
    ok = fd >= 0 && ::close(fd) == 0 && ok;
    if (!ok) {
      fmt::print(stderr, "vigil: error: cannot write the key file {}\n", args.keys.key_file);
      return kExitBadInput;
    }
    fmt::print(stderr,
               "vigil: wrote the key of {} to {}: it opens the backup like the password, keep it "
               "as safe\n",
               backup->root().string(), args.keys.key_file);
  }
  return kExitOk;
}

}  // namespace

Runner add_decrypt_backup_command(CLI::App& app) {
  auto args = std::make_shared<CryptoArgs>();
  CLI::App* command =
      app.add_subcommand("decrypt-backup", "Write a decrypted copy of an encrypted iOS backup");
  command->add_option("backup", args->backup, "encrypted backup folder")->required();
  command->add_option("-d,--dest", args->dest, "new (or empty) folder for the decrypted copy")
      ->required();
  args->keys.add_to(*command, "file holding the derived key (vigil extract-key)");
  return [args]() { return run_decrypt(*args); };
}

Runner add_extract_key_command(CLI::App& app) {
  auto args = std::make_shared<CryptoArgs>();
  CLI::App* command = app.add_subcommand(
      "extract-key", "Print the key an encrypted iOS backup's password derives (or write it)");
  command->add_option("backup", args->backup, "encrypted backup folder")->required();
  args->keys.add_to(*command, "write the key to this file (mode 0600) instead of printing it");
  return [args]() { return run_extract_key(*args); };
}

}  // namespace vigil::cli
