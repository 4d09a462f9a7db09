// An iTunes/Finder iOS backup: Info.plist, Manifest.plist, Manifest.db and one payload per file
// at <fileID[0:2]>/<fileID>, fileID = SHA-1("<domain>-<relativePath>") (mvt-spec-ios §4.2).
// Everything is read in place and read-only. An encrypted backup, once unlocked with its key, is
// read through the same calls: each payload is decrypted in memory when it is read, so modules do
// not know whether the backup was encrypted.
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

#include "core/secure_buffer.hpp"
#include "core/sqlite.hpp"
#include "vfs/ios_backup_crypto.hpp"
#include "vfs/ios_keybag.hpp"

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
  /// Manifest.plist says IsEncrypted and Manifest.db is not plain (a decrypted copy keeps the
  /// flag and is read as a plain backup): the backup needs its key.
  [[nodiscard]] bool encrypted() const { return encrypted_; }
  /// unlock() succeeded: payloads are decrypted as they are read.
  [[nodiscard]] bool unlocked() const { return keys_ != nullptr; }
  /// One sentence when the backup cannot be read as a whole although it was found (Manifest.db
  /// unreadable and no Manifest.plist to say whether it is encrypted); else empty.
  [[nodiscard]] const std::string& problem() const { return problem_; }

  /// The keybag of an encrypted backup (Manifest.plist `BackupKeyBag`); nullopt with `error`
  /// naming what is missing or damaged.
  [[nodiscard]] std::optional<Keybag> keybag(std::string& error) const;
  enum class Unlock { ok, wrong_key, damaged };
  /// Unwraps the class keys with the derived key and opens Manifest.db, decrypted as it is read.
  /// `wrong_key`: no class key unwraps (wrong password); `damaged`: the keybag, ManifestKey or
  /// Manifest.db cannot be used (`error` names it).
  Unlock unlock(const Key& derived, std::string& error);
  /// Writes a plain copy of an unlocked backup to `dest` (a new or empty folder): Manifest.db,
  /// every payload decrypted and cut to its size, and the top-level plists. Files that cannot
  /// be decrypted are reported to `skipped` and left out. False with `error` when `dest` cannot
  /// be written or Manifest.db cannot be read.
  bool write_decrypted(const std::filesystem::path& dest,
                       const std::function<void(const BackupFile&, const std::string&)>& skipped,
                       std::size_t& written, std::string& error) const;

  static std::string file_id(std::string_view domain, std::string_view relative_path);

  /// The payload of a file ID, when it exists inside the backup.
  [[nodiscard]] std::optional<std::filesystem::path> payload_path(std::string_view file_id) const;
  /// Reads (and, when encrypted, decrypts) a payload; nullopt with `error` when it is absent or
  /// cannot be read or decrypted.
  [[nodiscard]] std::optional<std::string> read(std::string_view file_id, std::string& error) const;
  /// Opens a payload as a read-only SQLite database (an encrypted one is decrypted page by page
  /// as SQLite reads it, never whole).
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
  /// The LIKE patterns find_path_like is about to be asked for (each module declares its own):
  /// the first call with one of them matches them all in one pass over the relative paths, instead
  /// of one SQL LIKE scan of Manifest.db each (about 40 ms per pattern at 600,000 files). Other
  /// patterns still get their own query. Thread-safe.
  void expect_path_patterns(std::vector<std::string> patterns) const;
  /// How many find_path_like calls ran their own LIKE query (tests: the declared patterns cover
  /// every call).
  [[nodiscard]] std::size_t like_queries() const;
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
  struct PathPatterns {
    std::mutex mutex;
    std::vector<std::string> expected;
    bool scanned = false;
    bool usable = false;                            // every relative path is text (or null)
    std::vector<std::vector<std::string>> matches;  // per expected pattern: distinct paths
    std::size_t like_queries = 0;
  };
  // The relative paths an expected pattern matches; nullopt for other patterns, or when the one
  // pass could not answer exactly as SQLite's LIKE would (a path that is not text).
  std::optional<std::vector<std::string>> expected_matches(std::string_view pattern) const;

  std::vector<BackupFile> query(const std::string& where, std::vector<std::string> args) const;
  // The plaintext of an encrypted payload, from the ciphertext and its MBFile blob.
  std::optional<core::SecureBuffer> decrypt(std::string_view file_id, std::string_view blob,
                                            std::string& error) const;
  std::optional<core::SecureBuffer> decrypt(std::string_view file_id, std::string& error) const;
  // The MBFile blob of an encrypted backup's file (its key and size).
  std::optional<std::string> encryption_blob(std::string_view file_id, std::string& error) const;
  // An encrypted payload (or Manifest.db), decrypted as SQLite reads it.
  std::shared_ptr<const core::ByteSource> payload_source(std::string_view file_id,
                                                         std::string_view blob,
                                                         std::string& error) const;
  std::shared_ptr<const core::ByteSource> manifest_source(std::string& error) const;

  std::filesystem::path root_;
  bool encrypted_ = false;
  std::string problem_;
  std::string keybag_;        // Manifest.plist BackupKeyBag
  std::string manifest_key_;  // Manifest.plist ManifestKey: class (LE uint32) + wrapped key
  std::shared_ptr<const ClassKeys> keys_;
  std::shared_ptr<core::Database> manifest_;
  std::shared_ptr<Reads> reads_ = std::make_shared<Reads>();
  std::shared_ptr<PathPatterns> patterns_ = std::make_shared<PathPatterns>();
};

}  // namespace vigil::vfs
