// Read-only evidence access: WAL rows are read, nothing is written beside the database, broken
// files give errors rather than crashes.
#include "core/sqlite.hpp"

#include <gtest/gtest.h>

#include "support/test_support.hpp"

namespace vigil::core {
namespace {

using test::TempDir;

std::int64_t count(const Database& db, const std::string& sql) {
  std::string error;
  auto st = db.prepare(sql, error);
  EXPECT_TRUE(st) << error;
  if (!st || !st->step()) return -1;
  return st->integer(0);
}

// Writes a WAL-mode database whose last rows are only in the WAL, by copying the files while the
// writer still has them open (no checkpoint yet).
void make_wal_database(const std::filesystem::path& dir) {
  auto path = dir / "scratch" / "w.db";
  std::filesystem::create_directories(path.parent_path());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;"
                         "CREATE TABLE t(x TEXT); INSERT INTO t VALUES('in-db');"
                         "PRAGMA wal_checkpoint(TRUNCATE);"
                         "INSERT INTO t VALUES('in-wal-1'); INSERT INTO t VALUES('in-wal-2');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  std::filesystem::create_directories(dir / "evidence");
  std::filesystem::copy_file(path, dir / "evidence" / "w.db");
  std::filesystem::copy_file(path.string() + "-wal", dir / "evidence" / "w.db-wal");
  sqlite3_close(db);
}

TEST(Sqlite, WalOnlyRowsAreReadAndNothingIsWrittenBeside) {
  TempDir tmp;
  make_wal_database(tmp.path());
  auto before = test::tree_digest(tmp.path() / "evidence");
  std::string error;
  auto db = Database::open_evidence(tmp.path() / "evidence" / "w.db", error);
  ASSERT_TRUE(db) << error;
  EXPECT_TRUE(db->wal_applied());
  EXPECT_EQ(count(*db, "SELECT count(*) FROM t"), 3);
  EXPECT_EQ(test::tree_digest(tmp.path() / "evidence"), before) << "no -shm, no change";
}

TEST(Sqlite, TornWalFrameIsIgnored) {
  TempDir tmp;
  make_wal_database(tmp.path());
  auto wal = tmp.path() / "evidence" / "w.db-wal";
  std::string bytes = test::read_file(wal);
  bytes.resize(bytes.size() - 100);  // the last commit frame is incomplete
  test::write_file(wal, bytes);
  std::string error;
  auto db = Database::open_evidence(tmp.path() / "evidence" / "w.db", error);
  ASSERT_TRUE(db) << error;
  EXPECT_EQ(count(*db, "SELECT count(*) FROM t"), 2)
      << "only the first WAL transaction is committed";
}

// A real WAL-mode database whose only row is still in the WAL (iLEAPP's Safari Cache.db fixture).
TEST(Sqlite, RealSafariCacheWalRows) {
  VIGIL_REQUIRE_SHARED();
  TempDir tmp;
  test::extract_archive(test::shared_dir() /
                            "corpus/ileapp/admin/test/cases/data/safariCache/"
                            "testdata.safariCache.safariCache.mvs_ios_2023.zip",
                        tmp.path());
  auto dir = tmp.path() /
             "private/var/mobile/Containers/Data/Application/E9C94D39-5066-4556-8EB9-2DFE28104A2A/"
             "Library/Caches/com.apple.mobilesafari";
  auto before = test::tree_digest(tmp.path());
  std::string error;
  auto db = Database::open_evidence(dir / "Cache.db", error);
  ASSERT_TRUE(db) << error;
  EXPECT_EQ(count(*db, "SELECT count(*) FROM cfurl_cache_response"), 1);
  auto st = db->prepare("SELECT request_key FROM cfurl_cache_response", error);
  ASSERT_TRUE(st && st->step());
  EXPECT_EQ(st->bytes(0),
            "https://configuration.apple.com/configurations/internetservices/safari/"
            "AutoFillQuirks-1.plist");
  db.reset();
  EXPECT_EQ(test::tree_digest(tmp.path()), before);
}

// iLEAPP's WhatsApp ChatStorage.sqlite: WAL mode with an empty -wal and a -shm beside it.
TEST(Sqlite, RealWhatsAppDatabaseWithEmptyWal) {
  VIGIL_REQUIRE_SHARED();
  TempDir tmp;
  test::extract_archive(test::shared_dir() /
                            "corpus/ileapp/admin/test/cases/data/whatsApp/"
                            "testdata.whatsApp.whatsAppMessages.josh_ios15_ffs.zip",
                        tmp.path());
  auto path = tmp.path() /
              "filesystem2/mobile/Containers/Shared/AppGroup/694FBBC5-2E69-480A-A25B-FF8CC038BEF8/"
              "ChatStorage.sqlite";
  auto before = test::tree_digest(tmp.path());
  std::string error;
  auto db = Database::open_evidence(path, error);
  ASSERT_TRUE(db) << error;
  EXPECT_EQ(count(*db, "SELECT count(*) FROM ZWAMESSAGE"), 32);
  EXPECT_EQ(count(*db, "SELECT count(*) FROM ZWACHATSESSION"), 5);
  EXPECT_TRUE(db->has_table("ZWAMESSAGE"));
  EXPECT_TRUE(db->has_column("ZWAMESSAGE", "ZTEXT"));
  EXPECT_FALSE(db->has_column("ZWAMESSAGE", "NOPE"));
  db.reset();
  EXPECT_EQ(test::tree_digest(tmp.path()), before);
}

TEST(Sqlite, BrokenFilesAreErrorsNotCrashes) {
  TempDir tmp;
  make_wal_database(tmp.path());
  std::string good = test::read_file(tmp.path() / "scratch" / "w.db");
  std::string error;
  test::write_file(tmp.path() / "text.db", "this is not a database at all, just text");
  EXPECT_FALSE(Database::open_evidence(tmp.path() / "text.db", error));
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(Database::open_evidence(tmp.path() / "missing.db", error));
  test::write_file(tmp.path() / "truncated.db", good.substr(0, 50));
  EXPECT_FALSE(Database::open_evidence(tmp.path() / "truncated.db", error));
  // Page 2 (the table) overwritten: opens, but the query reports the corruption.
  std::string flipped = good;
  for (std::size_t i = 4096; i < flipped.size() && i < 8192; ++i)
    flipped[i] = static_cast<char>(0xA5);
  test::write_file(tmp.path() / "flipped.db", flipped);
  auto db = Database::open_evidence(tmp.path() / "flipped.db", error);
  if (db) {
    auto st = db->prepare("SELECT x FROM t", error);
    if (st) {
      while (st->step()) {
      }
      EXPECT_FALSE(st->error().empty());
    }
  }
  std::string bad_wal = good;
  EXPECT_FALSE(apply_wal(bad_wal, "garbage that is not a WAL header, thirty-two bytes+"));
  EXPECT_EQ(bad_wal, good);
}

}  // namespace
}  // namespace vigil::core
