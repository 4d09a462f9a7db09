// Databases read through vigil's read-only VFS from a ByteSource (Database::open_source): the
// same rows as the in-memory image, pages read on demand, writes refused, no file created, and
// correct under concurrent use.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "core/sqlite.hpp"
#include "support/test_support.hpp"

namespace vigil::core {
namespace {

using test::TempDir;

// A database image in memory, counting the bytes read from it.
class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::string bytes) : bytes_(std::move(bytes)) {}
  [[nodiscard]] std::uint64_t size() const override { return bytes_.size(); }
  bool read(std::uint64_t offset, std::span<unsigned char> out) const override {
    if (fail_) return false;
    EXPECT_LE(offset + out.size(), bytes_.size()) << "read beyond size()";
    if (offset + out.size() > bytes_.size()) return false;
    std::memcpy(out.data(), bytes_.data() + offset, out.size());
    bytes_read_ += out.size();
    return true;
  }
  mutable std::atomic<std::uint64_t> bytes_read_{0};
  bool fail_ = false;

 private:
  std::string bytes_;
};

// A WAL-mode database (header bytes 18/19 = 2) of 20,000 rows, as bytes.
std::string make_database(const std::filesystem::path& dir) {
  auto path = dir / "source.db";
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db,
                         "PRAGMA journal_mode=WAL; CREATE TABLE t(id INTEGER PRIMARY KEY, "
                         "name TEXT, n INTEGER); CREATE INDEX t_name ON t(name);"
                         "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c "
                         "WHERE i < 20000) INSERT INTO t SELECT i, 'name-' || (i * 7919 % 20011) "
                         "|| '-' || hex(randomblob(8)), i * 31 % 1000 FROM c;"
                         "PRAGMA wal_checkpoint(TRUNCATE);",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  return test::read_file(path);
}

std::vector<std::string> rows(const Database& db, const std::string& sql) {
  std::vector<std::string> out;
  std::string error;
  auto st = db.prepare(sql, error);
  EXPECT_TRUE(st) << error;
  if (!st) return out;
  while (st->step()) {
    std::string row;
    for (int i = 0; i < st->column_count(); ++i) (row += st->bytes(i)) += '|';
    out.push_back(std::move(row));
  }
  EXPECT_EQ(st->error(), "");
  return out;
}

const char* const kQueries[] = {
    "SELECT * FROM t ORDER BY id",
    "SELECT name FROM t WHERE name LIKE 'name-1%' ORDER BY name",
    "SELECT n, count(*), group_concat(id) FROM t GROUP BY n ORDER BY n DESC",  // a sort
    "SELECT * FROM t ORDER BY n, name DESC",                                   // no index
    "SELECT name, type FROM sqlite_master ORDER BY name",
};

TEST(SqliteSource, QueriesEqualTheInMemoryImage) {
  TempDir dir;
  std::string bytes = make_database(dir.path());
  ASSERT_EQ(bytes[18], 2) << "a WAL-mode header";
  std::string error;
  auto image = Database::open_image(bytes, error);
  ASSERT_TRUE(image) << error;
  auto source = std::make_shared<MemorySource>(bytes);
  auto db = Database::open_source(source, error);
  ASSERT_TRUE(db) << error;
  for (const char* sql : kQueries) EXPECT_EQ(rows(*db, sql), rows(*image, sql)) << sql;
  EXPECT_EQ(rows(*db, "SELECT count(*) FROM t"), std::vector<std::string>{"20000|"});
}

TEST(SqliteSource, PagesAreReadOnDemand) {
  TempDir dir;
  std::string bytes = make_database(dir.path());
  auto source = std::make_shared<MemorySource>(bytes);
  std::string error;
  auto db = Database::open_source(source, error);
  ASSERT_TRUE(db) << error;
  EXPECT_EQ(rows(*db, "SELECT n FROM t WHERE id = 12345"), std::vector<std::string>{"695|"});
  EXPECT_LT(source->bytes_read_.load(), bytes.size() / 10) << "a lookup reads a few pages";
}

TEST(SqliteSource, WritesAreRefusedAndNoFileIsCreated) {
  TempDir dir;
  std::string bytes = make_database(dir.path());
  std::filesystem::remove(dir.path() / "source.db");
  std::filesystem::remove(dir.path() / "source.db-wal");
  std::filesystem::remove(dir.path() / "source.db-shm");
  auto source = std::make_shared<MemorySource>(bytes);
  std::string error;
  auto db = Database::open_source(source, error);
  ASSERT_TRUE(db) << error;
  for (const char* sql :
       {"INSERT INTO t VALUES(0, 'x', 1)", "CREATE TABLE u(x)", "PRAGMA user_version = 7",
        "DELETE FROM t", "PRAGMA journal_mode = DELETE; INSERT INTO t VALUES(0, 'x', 1)",
        "VACUUM"}) {
    char* message = nullptr;
    int rc = sqlite3_exec(db->handle(), sql, nullptr, nullptr, &message);
    EXPECT_NE(rc, SQLITE_OK) << sql;
    sqlite3_free(message);
  }
  EXPECT_EQ(rows(*db, "SELECT count(*) FROM t"), std::vector<std::string>{"20000|"});
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  // No file is opened by name: an unknown source name cannot be opened through the VFS.
  sqlite3* raw = nullptr;
  EXPECT_NE(sqlite3_open_v2("file:vigil-source-0?vfs=vigil-ro&immutable=1", &raw,
                            SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
}

TEST(SqliteSource, UnreadableOrShortSourcesAreErrors) {
  TempDir dir;
  std::string bytes = make_database(dir.path());
  std::string error;
  auto failing = std::make_shared<MemorySource>(bytes);
  failing->fail_ = true;
  EXPECT_FALSE(Database::open_source(failing, error));
  EXPECT_FALSE(error.empty());
  auto cut = std::make_shared<MemorySource>(bytes.substr(0, bytes.size() / 2));
  auto db = Database::open_source(cut, error);
  if (db) {  // the schema is on the first pages: the rows are not
    auto st = db->prepare("SELECT sum(length(name)) FROM t", error);
    ASSERT_TRUE(st) << error;
    EXPECT_FALSE(st->step());
    EXPECT_FALSE(st->error().empty());
  }
  EXPECT_FALSE(Database::open_source(std::make_shared<MemorySource>("not a database"), error));
  EXPECT_FALSE(Database::open_source(nullptr, error));
}

TEST(SqliteSource, ConcurrentConnectionsAndASharedOne) {
  TempDir dir;
  std::string bytes = make_database(dir.path());
  std::string error;
  auto image = Database::open_image(bytes, error);
  ASSERT_TRUE(image) << error;
  std::vector<std::vector<std::string>> expected;
  for (const char* sql : kQueries) expected.push_back(rows(*image, sql));
  auto source = std::make_shared<MemorySource>(bytes);
  auto shared = Database::open_source(source, error, Database::Threads::shared);
  ASSERT_TRUE(shared) << error;
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) {
        std::string e;
        auto own = Database::open_source(source, e);  // its own connection, the same source
        if (!own) {
          ++mismatches;
          continue;
        }
        for (std::size_t q = 0; q < std::size(kQueries); ++q) {
          const Database& db = (q + static_cast<std::size_t>(t + round)) % 2 == 0 ? *own : *shared;
          if (rows(db, kQueries[q]) != expected[q]) ++mismatches;
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace vigil::core
