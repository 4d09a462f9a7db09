// Read-only SQLite access to evidence. A database is opened in place with `immutable=1` (no
// locks, no journal, nothing created beside it) unless a `-wal` file sits next to it; then the
// database and its WAL are read into memory, the committed WAL frames applied to the pages, and
// the result opened from memory — the WAL's rows are seen and nothing touches the disk.
// A connection used by one thread at a time takes no locks (SQLITE_OPEN_NOMUTEX: SQLite would
// otherwise lock on every column read); a shared one is serialised (SQLITE_OPEN_FULLMUTEX):
// modules running in parallel share the backup's Manifest.db connection.
// A database can also be read from a ByteSource (open_source) through vigil's read-only SQLite
// VFS: SQLite asks the source for the pages it needs (an encrypted backup's file, decrypted
// block by block), and the VFS never creates, writes or deletes a file.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/secure_buffer.hpp"

namespace vigil::core {

class Statement;

/// The bytes of a database that is not a plain file (see Database::open_source).
class ByteSource {
 public:
  ByteSource() = default;
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;
  virtual ~ByteSource() = default;
  /// The database's length in bytes.
  [[nodiscard]] virtual std::uint64_t size() const = 0;
  /// Fills `out` with the bytes at [offset, offset + out.size()), a range within size(); false
  /// when they cannot be read. Called from whichever thread runs the connection: thread-safe.
  virtual bool read(std::uint64_t offset, std::span<unsigned char> out) const = 0;
};

class Database {
 public:
  /// Whether the connection is used by one thread at a time, or by several at once.
  enum class Threads { one, shared };

  /// Opens evidence read-only (see above). nullopt with `error` set when it is not a readable
  /// SQLite database.
  static std::optional<Database> open_evidence(const std::filesystem::path& path,
                                               std::string& error, Threads threads = Threads::one);
  /// Opens a database image held in memory (a decrypted file, a WAL-applied copy), read-only.
  static std::optional<Database> open_image(std::string image, std::string& error,
                                            Threads threads = Threads::one);
  /// The same over decrypted bytes, which stay in their wiped buffer (SQLite reads them in place).
  static std::optional<Database> open_image(SecureBuffer image, std::string& error,
                                            Threads threads = Threads::one);
  /// Opens a database whose pages are read from `source` on demand, read-only, through vigil's
  /// VFS: no file is opened by SQLite, no journal, WAL or temporary file is created, and pages
  /// live only in the connection's page cache (`cache_size`). The connection keeps the source.
  static std::optional<Database> open_source(std::shared_ptr<const ByteSource> source,
                                             std::string& error, Threads threads = Threads::one);

  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;
  ~Database() = default;

  [[nodiscard]] bool has_table(std::string_view table) const;
  [[nodiscard]] bool has_column(std::string_view table, std::string_view column) const;
  [[nodiscard]] std::vector<std::string> columns(std::string_view table) const;
  /// Compiles a statement; nullopt with `error` on failure (unknown table or column…).
  std::optional<Statement> prepare(std::string_view sql, std::string& error) const;
  [[nodiscard]] sqlite3* handle() const { return db_.get(); }
  /// True when the WAL beside the database was applied.
  [[nodiscard]] bool wal_applied() const { return wal_applied_; }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  Database() = default;
  static std::optional<Database> open_bytes(std::shared_ptr<void> owner, unsigned char* data,
                                            std::size_t size, std::string& error, Threads threads);
  std::unique_ptr<sqlite3, Closer> db_;
  std::shared_ptr<void> image_;  // keeps an in-memory image alive (SQLite does not copy)
  bool wal_applied_ = false;
};

/// A prepared statement; step() through the rows, reading columns by index or by name.
class Statement {
 public:
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;

  /// Advances to the next row. false at the end, or on an error (then error() says which).
  bool step();
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] int column_count() const;
  [[nodiscard]] std::string column_name(int i) const;
  /// Index of a result column by name, or -1.
  [[nodiscard]] int index(std::string_view name) const;

  /// One column's type and value, read with one column lookup: cheaper than type() followed by a
  /// getter, as every sqlite3_column_* call repeats the lookup and its error bookkeeping.
  struct Cell {
    /// SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB or SQLITE_NULL
    int type = SQLITE_NULL;
    std::int64_t integer = 0;
    double real = 0;
    std::string_view bytes;  ///< text or blob bytes, valid until the next step()
  };
  [[nodiscard]] Cell cell(int i) const;
  [[nodiscard]] bool is_null(int i) const;
  [[nodiscard]] int type(
      int i) const;  ///< SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB, SQLITE_NULL
  [[nodiscard]] std::int64_t integer(int i) const;
  [[nodiscard]] double real(int i) const;
  /// Text or blob bytes, a number as its text (empty for NULL); valid until the next step().
  [[nodiscard]] std::string_view bytes(int i) const;
  [[nodiscard]] std::optional<std::int64_t> opt_integer(int i) const;
  [[nodiscard]] std::optional<double> opt_real(int i) const;
  [[nodiscard]] std::optional<std::string> opt_text(int i) const;

  bool bind(int i, std::string_view text);
  bool bind(int i, std::int64_t value);

 private:
  friend class Database;
  struct Finalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  explicit Statement(sqlite3_stmt* s);
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  sqlite3_mutex* mutex_ = nullptr;  // the connection's, or null when it is not shared
  std::string error_;
};

/// Applies the committed frames of a WAL file to a database image (exposed for tests and
/// fuzzing). Returns false, leaving `db` untouched, when the WAL header is invalid; frames after
/// the last valid commit are ignored, as SQLite itself does.
bool apply_wal(std::string& db, std::string_view wal);

/// `text LIKE pattern` exactly as SQLite's built-in LIKE without ESCAPE computes it: `%` matches
/// any run of characters, `_` one character (a UTF-8 sequence, decoded as SQLite decodes it), other
/// characters match themselves, ASCII letters in either case; both strings end at their first NUL
/// byte, as SQLite reads them. For matching many rows without a SQL function call each.
bool sql_like(std::string_view pattern, std::string_view text);

}  // namespace vigil::core
