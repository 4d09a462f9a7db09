// Issue 6's resource limits, on inputs built at run time: a plist nested 100k deep (XML and
// binary), a 4 GB declared length in a 1 KB binary plist, SQLite files whose page chains point
// at themselves, and 10 GB sparse files. Each is an error in bounded time and memory.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "core/plist.hpp"
#include "core/sqlite.hpp"
#include "support/test_support.hpp"

namespace vigil::core {
namespace {

using test::TempDir;

std::string be(std::uint64_t value, int bytes) {
  std::string out;
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((value >> (8 * i)) & 0xFF);
  return out;
}

// A binary plist of `objects` (4-byte offsets and references), the first one the top.
std::string bplist(const std::vector<std::string>& objects) {
  std::string out = "bplist00";
  std::string table;
  for (const auto& o : objects) {
    table += be(out.size(), 4);
    out += o;
  }
  std::uint64_t table_at = out.size();
  out += table;
  out += std::string(6, '\0') + '\x04' + '\x04';
  out += be(objects.size(), 8) + be(0, 8) + be(table_at, 8);
  return out;
}

class Timer {
 public:
  [[nodiscard]] double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

constexpr int kDeep = 100'000;

TEST(ResourceLimits, XmlPlistNested100kDeep) {
  std::string xml = "<?xml version=\"1.0\"?><plist version=\"1.0\">";
  for (int i = 0; i < kDeep; ++i) xml += "<array>";
  for (int i = 0; i < kDeep; ++i) xml += "</array>";
  xml += "</plist>";
  Timer timer;
  std::string error;
  auto plist = Plist::parse(xml, error);
  // libplist reads it; vigil's tree stops at its depth limit, so every use of it is bounded.
  if (plist) (void)plist->root().to_json().dump();
  EXPECT_LT(timer.seconds(), 20);
}

TEST(ResourceLimits, BinaryPlistNested100kDeep) {
  std::vector<std::string> objects;
  for (int i = 1; i < kDeep; ++i) objects.push_back("\xA1" + be(static_cast<std::uint64_t>(i), 4));
  objects.emplace_back("\xA0");
  std::string error;
  EXPECT_FALSE(Plist::parse(bplist(objects), error));
  EXPECT_EQ(error, "binary plist: nesting too deep");
}

TEST(ResourceLimits, FourGigabyteLengthInAOneKilobytePlist) {
  // A data object declaring 4 GiB (and one declaring 2^63 bytes), padded to 1 KB.
  for (std::uint64_t length : {std::uint64_t{1} << 32, std::uint64_t{1} << 63}) {
    std::string object = "\x4F\x13" + be(length, 8) + std::string(1000, 'A');
    std::string error;
    EXPECT_FALSE(Plist::parse(bplist({object}), error)) << length;
    EXPECT_FALSE(error.empty());
    std::string string_object = "\x5F\x13" + be(length, 8) + std::string(1000, 'A');
    EXPECT_FALSE(Plist::parse(bplist({string_object}), error)) << length;
  }
}

// A database whose table is large enough to have an interior root page, and a 100 KB blob on an
// overflow chain; then the interior page's right-most child and the first overflow page's "next"
// pointer are made to point at their own page.
std::filesystem::path self_referencing_database(const TempDir& dir, bool overflow) {
  auto path = dir.path() / (overflow ? "overflow.db" : "interior.db");
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::string sql = "PRAGMA page_size=4096; CREATE TABLE t(x BLOB);";
  sql += overflow ? "INSERT INTO t VALUES(zeroblob(100000));"
                  : "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)"
                    " INSERT INTO t SELECT printf('%0100d', i) FROM n;";
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  std::string bytes = test::read_file(path);
  // Page 2 is t's root; with a blob, page 3 starts its overflow chain.
  if (overflow) {
    EXPECT_EQ(bytes[4096], '\x0D') << "page 2 is a table leaf";
    bytes.replace(2 * 4096, 4, be(3, 4));
  } else {
    EXPECT_EQ(bytes[4096], '\x05') << "page 2 is an interior table page";
    bytes.replace(4096 + 8, 4, be(2, 4));
  }
  test::write_file(path, bytes);
  return path;
}

TEST(ResourceLimits, SqlitePageChainPointingAtItself) {
  TempDir dir;
  for (bool overflow : {false, true}) {
    Timer timer;
    std::string error;
    auto db = Database::open_evidence(self_referencing_database(dir, overflow), error);
    ASSERT_TRUE(db) << error;
    // Reading x itself walks the overflow chain (length() would not).
    auto st = db->prepare("SELECT x FROM t", error);
    ASSERT_TRUE(st) << error;
    while (st->step()) (void)st->bytes(0);
    if (!overflow) {
      EXPECT_NE(st->error().find("malformed"), std::string::npos) << st->error();
    }
    EXPECT_LT(timer.seconds(), 10) << "overflow: " << overflow;
  }
}

TEST(ResourceLimits, TenGigabyteSparseFiles) {
  TempDir dir;
  auto sparse = [&](const std::filesystem::path& path) {
    std::ofstream(path).close();
    ASSERT_EQ(truncate(path.c_str(), std::int64_t{10} << 30), 0);
  };
  Timer timer;
  std::string error;
  // A 10 GB database: not a database, found from its first page.
  sparse(dir.path() / "big.db");
  EXPECT_FALSE(Database::open_evidence(dir.path() / "big.db", error));
  // A 10 GB WAL beside a real database: refused before anything is read into memory.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() / "small.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  sparse(dir.path() / "small.db-wal");
  EXPECT_FALSE(Database::open_evidence(dir.path() / "small.db", error));
  EXPECT_NE(error.find("too large"), std::string::npos) << error;
  EXPECT_LT(timer.seconds(), 10);
}

}  // namespace
}  // namespace vigil::core
