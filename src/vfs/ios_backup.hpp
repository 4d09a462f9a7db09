// An iTunes/Finder iOS backup: Info.plist, Manifest.plist, Manifest.db and one payload per file
// at <fileID[0:2]>/<fileID>, fileID = SHA-1("<domain>-<relativePath>") (mvt-spec-ios §4.2).
// Everything is read in place and read-only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/sqlite.hpp"

namespace vigil::vfs {

/// One row of Manifest.db's Files table.
struct BackupFile {
  std::string file_id;
  std::string domain;
  std::string relative_path;
  std::int64_t flags = 0;  ///< 1 file, 2 directory, 4 symlink
};

class IosBackup {
 public:
  /// Finds the backup at `path`, or the only backup in a MobileSync/Backup-style parent (noted in
  /// `note`). nullopt with `error` (one sentence) when there is none, or several.
  static std::optional<IosBackup> open(const std::filesystem::path& path, std::string& error,
                                       std::string& note);

  [[nodiscard]] const std::filesystem::path& root() const { return root_; }
  /// Manifest.plist says IsEncrypted.
  [[nodiscard]] bool encrypted() const { return encrypted_; }

  static std::string file_id(std::string_view domain, std::string_view relative_path);

  /// The payload of a file ID, when it exists inside the backup.
  [[nodiscard]] std::optional<std::filesystem::path> payload_path(std::string_view file_id) const;
  /// Reads a payload (nullopt when absent or unreadable).
  [[nodiscard]] std::optional<std::string> read(std::string_view file_id) const;
  /// Opens a payload as a read-only SQLite database.
  [[nodiscard]] std::optional<core::Database> open_database(std::string_view file_id,
                                                            std::string& error) const;
  /// Reads a top-level file of the backup (Info.plist, Manifest.plist, Status.plist).
  [[nodiscard]] std::optional<std::string> read_top_level(std::string_view name) const;

  /// Manifest rows with exactly this domain and relative path.
  [[nodiscard]] std::vector<BackupFile> find(std::string_view domain,
                                             std::string_view relative_path) const;
  /// Manifest rows whose relative path equals `relative_path` (any domain).
  [[nodiscard]] std::vector<BackupFile> find_path(std::string_view relative_path) const;
  /// Manifest rows whose relative path matches a SQL LIKE pattern (any domain).
  [[nodiscard]] std::vector<BackupFile> find_path_like(std::string_view pattern) const;
  /// Manifest rows of one domain.
  [[nodiscard]] std::vector<BackupFile> find_domain(std::string_view domain) const;
  /// A file by its known ID; when Manifest.db lacks the row (MVT's LID.sqlite case) but the
  /// payload exists, the row is synthesised from the expected domain and path.
  [[nodiscard]] std::optional<BackupFile> find_id(std::string_view file_id) const;

  /// Streams every Files row (with its `file` MBFile blob) to `visit`; false with `error` when
  /// Manifest.db cannot be read.
  bool for_each_file(const std::function<void(const BackupFile&, std::string_view blob)>& visit,
                     std::string& error) const;

  /// Every file of the backup read so far (Manifest.db, Info.plist, payloads), sorted: what
  /// info.json hashes to tie a report to its evidence. Thread-safe: modules run in parallel.
  [[nodiscard]] std::vector<std::filesystem::path> files_read() const;

 private:
  struct Reads {
    std::mutex mutex;
    std::set<std::filesystem::path> paths;
  };
  void note_read(const std::filesystem::path& path) const;

  std::vector<BackupFile> query(const std::string& where, std::vector<std::string> args) const;

  std::filesystem::path root_;
  bool encrypted_ = false;
  std::shared_ptr<core::Database> manifest_;
  std::shared_ptr<Reads> reads_ = std::make_shared<Reads>();
};

}  // namespace vigil::vfs
