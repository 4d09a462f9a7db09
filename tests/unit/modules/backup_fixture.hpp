// A writable copy of MVT's test backup for module tests: the copy itself, the payload path of a
// (domain, relative path), and SQLite databases built at run time in it. Shared by the messaging
// and SYSTEM group fixtures.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "unit/modules/module_harness.hpp"
#include "vfs/ios_backup.hpp"

namespace vigil::test {

/// Copies MVT's test backup into `dir` and returns the copy's path.
inline std::filesystem::path copy_backup(const TempDir& dir) {
  auto dest = dir.path() / "backup";
  std::filesystem::copy(mvt_backup(), dest, std::filesystem::copy_options::recursive);
  return dest;
}

/// Where the payload of (domain, relative path) lives in a backup (its folder is created).
inline std::filesystem::path payload(const std::filesystem::path& backup, std::string_view domain,
                                     std::string_view relative_path) {
  std::string id = vfs::IosBackup::file_id(domain, relative_path);
  auto path = backup / id.substr(0, 2) / id;
  std::filesystem::create_directories(path.parent_path());
  return path;
}

/// Runs SQL on a database file (created when absent).
inline void exec_sql(const std::filesystem::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err != nullptr ? err : "") << "\n" << sql;
  sqlite3_free(err);
  sqlite3_close(db);
}

/// Replaces a database file with a fresh one built from `sql`.
inline void make_db(const std::filesystem::path& path, const std::string& sql) {
  std::filesystem::remove(path);
  exec_sql(path, sql);
}

}  // namespace vigil::test
