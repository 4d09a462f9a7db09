#include "core/sqlite.hpp"

#include <atomic>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <sstream>

namespace vigil::core {

namespace {

// Real phone databases with a WAL are far smaller; see open_evidence.
constexpr std::uintmax_t kMaxWalImageBytes = std::uintmax_t{4} << 30;

std::uint32_t be32(std::string_view s, std::size_t at) {
  auto b = [&](std::size_t k) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + k]));
  };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

// The WAL checksum (https://www.sqlite.org/fileformat2.html#walformat), over 8-byte words.
void wal_checksum(bool big_endian, std::string_view data, std::uint32_t& s0, std::uint32_t& s1) {
  for (std::size_t i = 0; i + 8 <= data.size(); i += 8) {
    std::uint32_t x0, x1;
    if (big_endian) {
      x0 = be32(data, i);
      x1 = be32(data, i + 4);
    } else {
      std::memcpy(&x0, data.data() + i, 4);
      std::memcpy(&x1, data.data() + i + 4, 4);
    }
    s0 += x0 + s1;
    s1 += x1 + s0;
  }
}

std::string uri_escape(const std::string& path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : path) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '/' || c == '.' || c == '-' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::optional<std::string> slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return std::move(out).str();
}

// vigil's read-only VFS over ByteSources. A source is registered under a unique name just for the
// sqlite3_open_v2 that opens it (xOpen takes it from the registry into the file object, which
// keeps it until xClose); every other file SQLite might ask for (journal, WAL, temporary files)
// is refused, and nothing is ever written or deleted.
namespace source_vfs {

constexpr const char* kName = "vigil-ro";

struct File {
  sqlite3_file base;  // first: SQLite sees a sqlite3_file*
  std::shared_ptr<const ByteSource> source;
};

std::mutex registry_mutex;
std::map<std::string, std::shared_ptr<const ByteSource>, std::less<>>& registry() {
  static std::map<std::string, std::shared_ptr<const ByteSource>, std::less<>> sources;
  return sources;
}

File* file_of(sqlite3_file* f) { return reinterpret_cast<File*>(f); }

int close(sqlite3_file* f) {
  std::destroy_at(&file_of(f)->source);
  return SQLITE_OK;
}

int read(sqlite3_file* f, void* buffer, int amount, sqlite3_int64 offset) {
  const ByteSource& source = *file_of(f)->source;
  auto* out = static_cast<unsigned char*>(buffer);
  auto want = static_cast<std::uint64_t>(amount);
  std::uint64_t size = source.size();
  std::uint64_t have = offset < 0 || static_cast<std::uint64_t>(offset) >= size
                           ? 0
                           : std::min(want, size - static_cast<std::uint64_t>(offset));
  if (have != 0 && !source.read(static_cast<std::uint64_t>(offset), {out, have}))
    return SQLITE_IOERR_READ;
  if (have == want) return SQLITE_OK;
  std::memset(out + have, 0, want - have);  // SQLite requires the rest zeroed
  return SQLITE_IOERR_SHORT_READ;
}

int write(sqlite3_file*, const void*, int, sqlite3_int64) { return SQLITE_READONLY; }
int truncate(sqlite3_file*, sqlite3_int64) { return SQLITE_READONLY; }
int sync(sqlite3_file*, int) { return SQLITE_OK; }
int file_size(sqlite3_file* f, sqlite3_int64* size) {
  *size = static_cast<sqlite3_int64>(file_of(f)->source->size());
  return SQLITE_OK;
}
int lock(sqlite3_file*, int) { return SQLITE_OK; }
int check_reserved_lock(sqlite3_file*, int* out) {
  *out = 0;
  return SQLITE_OK;
}
int file_control(sqlite3_file*, int, void*) { return SQLITE_NOTFOUND; }
int sector_size(sqlite3_file*) { return 512; }
int device_characteristics(sqlite3_file*) { return SQLITE_IOCAP_IMMUTABLE; }

const sqlite3_io_methods* methods() {
  static const sqlite3_io_methods m = [] {
    sqlite3_io_methods io{};
    io.iVersion = 1;  // no shared memory (no WAL), no memory mapping
    io.xClose = close;
    io.xRead = read;
    io.xWrite = write;
    io.xTruncate = truncate;
    io.xSync = sync;
    io.xFileSize = file_size;
    io.xLock = lock;
    io.xUnlock = lock;
    io.xCheckReservedLock = check_reserved_lock;
    io.xFileControl = file_control;
    io.xSectorSize = sector_size;
    io.xDeviceCharacteristics = device_characteristics;
    return io;
  }();
  return &m;
}

int open(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  f->pMethods = nullptr;  // SQLite does not close a file whose open failed
  if (name == nullptr || (flags & SQLITE_OPEN_MAIN_DB) == 0 || (flags & SQLITE_OPEN_READONLY) == 0)
    return SQLITE_CANTOPEN;
  std::shared_ptr<const ByteSource> source;
  {
    std::lock_guard lock(registry_mutex);
    auto it = registry().find(std::string_view(name));
    if (it == registry().end()) return SQLITE_CANTOPEN;
    source = it->second;
  }
  new (&file_of(f)->source) std::shared_ptr<const ByteSource>(std::move(source));
  f->pMethods = methods();
  if (out_flags) *out_flags = SQLITE_OPEN_READONLY;
  return SQLITE_OK;
}

int remove(sqlite3_vfs*, const char*, int) { return SQLITE_IOERR_DELETE; }
int access(sqlite3_vfs*, const char*, int, int* out) {
  *out = 0;  // no journal, no WAL: nothing beside a source exists
  return SQLITE_OK;
}
int full_pathname(sqlite3_vfs*, const char* name, int size, char* out) {
  sqlite3_snprintf(size, out, "%s", name);
  return SQLITE_OK;
}
sqlite3_vfs* base(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }
int randomness(sqlite3_vfs* vfs, int n, char* out) {
  return base(vfs)->xRandomness(base(vfs), n, out);
}
int sleep(sqlite3_vfs* vfs, int micros) { return base(vfs)->xSleep(base(vfs), micros); }
int current_time(sqlite3_vfs* vfs, double* out) { return base(vfs)->xCurrentTime(base(vfs), out); }
int last_error(sqlite3_vfs*, int, char*) { return 0; }

// Registered once, not as the default VFS; false when SQLite refused it.
bool registered() {
  static const bool ok = [] {
    static sqlite3_vfs vfs{};
    vfs.iVersion = 1;
    vfs.szOsFile = sizeof(File);
    vfs.mxPathname = 512;
    vfs.zName = kName;
    vfs.pAppData = sqlite3_vfs_find(nullptr);  // for time, sleep and randomness only
    vfs.xOpen = open;
    vfs.xDelete = remove;
    vfs.xAccess = access;
    vfs.xFullPathname = full_pathname;
    vfs.xRandomness = randomness;
    vfs.xSleep = sleep;
    vfs.xCurrentTime = current_time;
    vfs.xGetLastError = last_error;
    return vfs.pAppData != nullptr && sqlite3_vfs_register(&vfs, 0) == SQLITE_OK;
  }();
  return ok;
}

}  // namespace source_vfs

}  // namespace

bool apply_wal(std::string& db, std::string_view wal) {
  if (wal.size() < 32) return false;
  std::uint32_t magic = be32(wal, 0);
  if (magic != 0x377f0682 && magic != 0x377f0683) return false;
  bool big_endian = magic == 0x377f0683;
  std::uint32_t page_size = be32(wal, 8);
  if (page_size == 1) page_size = 65536;
  if (page_size < 512 || page_size > 65536 || (page_size & (page_size - 1)) != 0) return false;
  std::uint32_t salt1 = be32(wal, 16), salt2 = be32(wal, 20);
  std::uint32_t s0 = 0, s1 = 0;
  wal_checksum(big_endian, wal.substr(0, 24), s0, s1);
  if (s0 != be32(wal, 24) || s1 != be32(wal, 28)) return false;

  // Collect frames of complete transactions; apply them once the commit frame validates.
  struct Frame {
    std::uint32_t page;
    std::size_t offset;
  };
  std::vector<Frame> pending;
  std::vector<Frame> committed;
  std::uint32_t committed_size = 0;
  const std::size_t frame_size = 24 + std::size_t{page_size};
  for (std::size_t at = 32; at + frame_size <= wal.size(); at += frame_size) {
    if (be32(wal, at + 8) != salt1 || be32(wal, at + 12) != salt2) break;
    wal_checksum(big_endian, wal.substr(at, 8), s0, s1);
    wal_checksum(big_endian, wal.substr(at + 24, page_size), s0, s1);
    if (s0 != be32(wal, at + 16) || s1 != be32(wal, at + 20)) break;
    std::uint32_t page = be32(wal, at);
    if (page == 0) break;
    pending.push_back(Frame{page, at + 24});
    if (std::uint32_t size_after = be32(wal, at + 4); size_after != 0) {
      committed.insert(committed.end(), pending.begin(), pending.end());
      pending.clear();
      committed_size = size_after;
    }
  }
  if (committed.empty()) return true;
  std::size_t new_size = std::size_t{committed_size} * page_size;
  if (new_size > (std::size_t{1} << 34)) return false;  // 16 GiB: a corrupt header, not a phone db
  db.resize(new_size, '\0');
  for (const Frame& f : committed) {
    std::size_t dest = (std::size_t{f.page} - 1) * page_size;
    if (dest + page_size > db.size()) continue;  // truncated by a later commit
    std::memcpy(db.data() + dest, wal.data() + f.offset, page_size);
  }
  return true;
}

namespace {
int mutex_flag(Database::Threads threads) {
  return threads == Database::Threads::shared ? SQLITE_OPEN_FULLMUTEX : SQLITE_OPEN_NOMUTEX;
}
}  // namespace

std::optional<Database> Database::open_evidence(const std::filesystem::path& path,
                                                std::string& error, Threads threads) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    error = "not a file";
    return std::nullopt;
  }
  auto wal_path = path;
  wal_path += "-wal";
  if (std::filesystem::is_regular_file(wal_path, ec) &&
      std::filesystem::file_size(wal_path, ec) > 0) {
    // Both files are read into memory: a hostile (e.g. sparse) file must not exhaust it.
    std::uintmax_t total =
        std::filesystem::file_size(path, ec) + std::filesystem::file_size(wal_path, ec);
    if (ec || total > kMaxWalImageBytes) {
      error = "too large to apply its write-ahead log in memory (database and -wal over 4 GiB)";
      return std::nullopt;
    }
    auto image = slurp(path);
    auto wal = slurp(wal_path);
    if (!image || !wal) {
      error = "cannot be read";
      return std::nullopt;
    }
    bool applied = apply_wal(*image, *wal);
    auto db = open_image(std::move(*image), error, threads);
    if (db) db->wal_applied_ = applied;
    return db;
  }
  Database db;
  sqlite3* raw = nullptr;
  std::string uri =
      "file:" + uri_escape(std::filesystem::absolute(path).string()) + "?mode=ro&immutable=1";
  int rc = sqlite3_open_v2(uri.c_str(), &raw,
                           SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | mutex_flag(threads), nullptr);
  db.db_.reset(raw);
  if (rc != SQLITE_OK) {
    error = raw ? sqlite3_errmsg(raw) : "out of memory";
    return std::nullopt;
  }
  // Reading the schema proves the file is a database (open itself is lazy).
  if (sqlite3_exec(raw, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr) !=
      SQLITE_OK) {
    error = sqlite3_errmsg(raw);
    return std::nullopt;
  }
  return db;
}

std::optional<Database> Database::open_image(std::string image, std::string& error,
                                             Threads threads) {
  auto owned = std::make_shared<std::string>(std::move(image));
  auto* data = reinterpret_cast<unsigned char*>(owned->data());
  std::size_t size = owned->size();
  return open_bytes(std::move(owned), data, size, error, threads);
}

std::optional<Database> Database::open_image(SecureBuffer image, std::string& error,
                                             Threads threads) {
  auto owned = std::make_shared<SecureBuffer>(std::move(image));
  unsigned char* data = owned->data();
  std::size_t size = owned->size();
  return open_bytes(std::move(owned), data, size, error, threads);
}

std::optional<Database> Database::open_bytes(std::shared_ptr<void> owner, unsigned char* data,
                                             std::size_t size, std::string& error,
                                             Threads threads) {
  // A WAL-mode header (bytes 18/19 = 2) would make SQLite look for a WAL: the image already
  // holds the committed WAL pages, so mark it as a rollback-journal database.
  if (size >= 100 && std::memcmp(data, "SQLite format 3\0", 16) == 0) {
    data[18] = 1;
    data[19] = 1;
  }
  Database db;
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(":memory:", &raw, SQLITE_OPEN_READWRITE | mutex_flag(threads), nullptr);
  db.db_.reset(raw);
  if (rc != SQLITE_OK) {
    error = "cannot open an in-memory database";
    return std::nullopt;
  }
  db.image_ = std::move(owner);
  // Sorts and temporary tables of queries stay in memory too: an image may be decrypted evidence,
  // and SQLite would otherwise spill them to (deleted, but written) files in TMPDIR.
  sqlite3_exec(raw, "PRAGMA temp_store = MEMORY", nullptr, nullptr, nullptr);
  auto ssize = static_cast<sqlite3_int64>(size);
  rc = sqlite3_deserialize(raw, "main", data, ssize, ssize, SQLITE_DESERIALIZE_READONLY);
  if (rc != SQLITE_OK || sqlite3_exec(raw, "SELECT count(*) FROM sqlite_master", nullptr, nullptr,
                                      nullptr) != SQLITE_OK) {
    error = sqlite3_errmsg(raw);
    return std::nullopt;
  }
  return db;
}

std::optional<Database> Database::open_source(std::shared_ptr<const ByteSource> source,
                                              std::string& error, Threads threads) {
  if (!source || !source_vfs::registered()) {
    error = "cannot register vigil's read-only SQLite VFS";
    return std::nullopt;
  }
  static std::atomic<std::uint64_t> next{0};
  std::string name = "vigil-source-" + std::to_string(++next);
  {
    std::lock_guard lock(source_vfs::registry_mutex);
    source_vfs::registry().emplace(name, std::move(source));
  }
  Database db;
  sqlite3* raw = nullptr;
  std::string uri = "file:" + name + "?vfs=" + source_vfs::kName + "&mode=ro&immutable=1";
  int rc = sqlite3_open_v2(uri.c_str(), &raw,
                           SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | mutex_flag(threads), nullptr);
  {
    std::lock_guard lock(source_vfs::registry_mutex);
    source_vfs::registry().erase(name);  // the open file holds the source now
  }
  db.db_.reset(raw);
  if (rc != SQLITE_OK) {
    error = raw ? sqlite3_errmsg(raw) : "out of memory";
    return std::nullopt;
  }
  // As for images: sorts and temporary tables stay in memory (the VFS would refuse their files).
  sqlite3_exec(raw, "PRAGMA temp_store = MEMORY", nullptr, nullptr, nullptr);
  if (sqlite3_exec(raw, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr) !=
      SQLITE_OK) {
    error = sqlite3_errmsg(raw);
    return std::nullopt;
  }
  return db;
}

bool Database::has_table(std::string_view table) const {
  std::string error;
  auto st =
      prepare("SELECT 1 FROM sqlite_master WHERE type IN ('table','view') AND name = ?", error);
  if (!st) return false;
  st->bind(1, table);
  return st->step();
}

std::vector<std::string> Database::columns(std::string_view table) const {
  std::vector<std::string> out;
  std::string error;
  auto st = prepare("SELECT name FROM pragma_table_info(?)", error);
  if (!st) return out;
  st->bind(1, table);
  while (st->step()) out.emplace_back(st->bytes(0));
  return out;
}

bool Database::has_column(std::string_view table, std::string_view column) const {
  for (const auto& c : columns(table))
    if (c.size() == column.size() && strncasecmp(c.data(), column.data(), c.size()) == 0)
      return true;
  return false;
}

std::optional<Statement> Database::prepare(std::string_view sql, std::string& error) const {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
  if (rc != SQLITE_OK) {
    error = sqlite3_errmsg(db_.get());
    sqlite3_finalize(raw);
    return std::nullopt;
  }
  return Statement(raw);
}

Statement::Statement(sqlite3_stmt* s) : stmt_(s), mutex_(sqlite3_db_mutex(sqlite3_db_handle(s))) {}

bool Statement::step() {
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) error_ = sqlite3_errmsg(sqlite3_db_handle(stmt_.get()));
  return false;
}

int Statement::column_count() const { return sqlite3_column_count(stmt_.get()); }

std::string Statement::column_name(int i) const {
  const char* name = sqlite3_column_name(stmt_.get(), i);
  return name ? name : "";
}

int Statement::index(std::string_view name) const {
  for (int i = 0; i < column_count(); ++i)
    if (column_name(i) == name) return i;
  return -1;
}

bool Statement::is_null(int i) const { return sqlite3_column_type(stmt_.get(), i) == SQLITE_NULL; }
int Statement::type(int i) const { return sqlite3_column_type(stmt_.get(), i); }
std::int64_t Statement::integer(int i) const { return sqlite3_column_int64(stmt_.get(), i); }
double Statement::real(int i) const { return sqlite3_column_double(stmt_.get(), i); }

namespace {
// A value's blob bytes, or its text (a number as SQLite writes it); empty for NULL.
std::string_view value_bytes(sqlite3_value* value) {
  const void* data = sqlite3_value_type(value) == SQLITE_BLOB
                         ? sqlite3_value_blob(value)
                         : static_cast<const void*>(sqlite3_value_text(value));
  const int size = sqlite3_value_bytes(value);
  if (data == nullptr || size <= 0) return {};
  return {static_cast<const char*>(data), static_cast<std::size_t>(size)};
}
}  // namespace

// sqlite3_column_value's value is "unprotected": read through sqlite3_value_* only while holding
// the connection's mutex, which a connection used by one thread does not have (null: no-op).
Statement::Cell Statement::cell(int i) const {
  Cell c;
  sqlite3_mutex_enter(mutex_);
  sqlite3_value* value = sqlite3_column_value(stmt_.get(), i);
  c.type = sqlite3_value_type(value);
  switch (c.type) {
    case SQLITE_INTEGER:
      c.integer = sqlite3_value_int64(value);
      break;
    case SQLITE_FLOAT:
      c.real = sqlite3_value_double(value);
      break;
    case SQLITE_TEXT:
    case SQLITE_BLOB:
      c.bytes = value_bytes(value);
      break;
    default:
      break;
  }
  sqlite3_mutex_leave(mutex_);
  return c;
}

std::string_view Statement::bytes(int i) const {
  sqlite3_mutex_enter(mutex_);
  const std::string_view bytes = value_bytes(sqlite3_column_value(stmt_.get(), i));
  sqlite3_mutex_leave(mutex_);
  return bytes;
}

std::optional<std::int64_t> Statement::opt_integer(int i) const {
  if (i < 0 || is_null(i)) return std::nullopt;
  return integer(i);
}

std::optional<double> Statement::opt_real(int i) const {
  if (i < 0 || is_null(i)) return std::nullopt;
  return real(i);
}

std::optional<std::string> Statement::opt_text(int i) const {
  if (i < 0 || is_null(i)) return std::nullopt;
  return std::string(bytes(i));
}

bool Statement::bind(int i, std::string_view text) {
  return sqlite3_bind_text(stmt_.get(), i, text.data(), static_cast<int>(text.size()),
                           SQLITE_TRANSIENT) == SQLITE_OK;
}

bool Statement::bind(int i, std::int64_t value) {
  return sqlite3_bind_int64(stmt_.get(), i, value) == SQLITE_OK;
}

namespace {

// A port of SQLite's patternCompare (func.c) for LIKE without ESCAPE, on views that end at their
// first NUL byte.
class LikeMatcher {
 public:
  enum Result { kMatch, kNoMatch, kNoWildcardMatch };

  static Result compare(std::string_view pattern, std::size_t p, std::string_view text,
                        std::size_t t) {
    for (std::uint32_t c = 0; (c = read(pattern, p)) != 0;) {
      if (c == '%') {
        while ((c = read(pattern, p)) == '%' || c == '_')
          if (c == '_' && read(text, t) == 0) return kNoWildcardMatch;
        if (c == 0) return kMatch;
        // Try the rest of the pattern after each occurrence of its next character.
        while (t < text.size() && text[t] != '\0') {
          const std::uint32_t c2 = read(text, t);
          if (!same(c, c2)) continue;
          Result r = compare(pattern, p, text, t);
          if (r != kNoMatch) return r;
        }
        return kNoWildcardMatch;
      }
      const std::uint32_t c2 = read(text, t);
      if (same(c, c2)) continue;
      if (c == '_' && c2 != 0) continue;
      return kNoMatch;
    }
    return t >= text.size() || text[t] == '\0' ? kMatch : kNoMatch;
  }

 private:
  static bool same(std::uint32_t a, std::uint32_t b) {
    if (a == b) return true;
    auto lower = [](std::uint32_t c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; };
    return a < 0x80 && b < 0x80 && lower(a) == lower(b);
  }

  // sqlite3Utf8Read: one character, 0 at the end; a lead byte takes every continuation byte after
  // it, and an overlong, surrogate or U+FFFE/U+FFFF result reads as U+FFFD.
  static std::uint32_t read(std::string_view s, std::size_t& i) {
    if (i >= s.size()) return 0;
    std::uint32_t c = static_cast<unsigned char>(s[i++]);
    if (c < 0xC0) return c;
    static constexpr unsigned char kTrans1[64] = {
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
        0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
        0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
        0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x00, 0x01, 0x02, 0x03,
        0x04, 0x05, 0x06, 0x07, 0x00, 0x01, 0x02, 0x03, 0x00, 0x01, 0x00, 0x00};
    c = kTrans1[c - 0xC0];
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80)
      c = (c << 6) + (0x3F & static_cast<unsigned char>(s[i++]));
    if (c < 0x80 || (c & 0xFFFFF800) == 0xD800 || (c & 0xFFFFFFFE) == 0xFFFE) c = 0xFFFD;
    return c;
  }
};

}  // namespace

bool sql_like(std::string_view pattern, std::string_view text) {
  return LikeMatcher::compare(pattern, 0, text, 0) == LikeMatcher::kMatch;
}

}  // namespace vigil::core
