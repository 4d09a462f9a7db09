// Fixtures for the messaging module tests (SMS, SMSAttachments, Whatsapp, WhatsappContacts,
// InteractionC): a writable copy of MVT's test backup in which a test creates, replaces or
// removes the payload of a (domain, relative path) with a SQLite database built at run time.
#pragma once

#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "unit/modules/module_harness.hpp"
#include "vfs/ios_backup.hpp"

namespace vigil::test {
using modules::Json;
}  // namespace vigil::test

namespace vigil::test::messaging {

/// Copies MVT's test backup into `dir` and returns the copy's path.
inline std::filesystem::path copy_mvt_backup(const TempDir& dir) {
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

/// Replaces the payload with a fresh database built from `sql`.
inline void make_db(const std::filesystem::path& path, const std::string& sql) {
  std::filesystem::remove(path);
  exec_sql(path, sql);
}

inline std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : bytes) {
    auto b = static_cast<unsigned char>(c);
    out += kHex[b >> 4];
    out += kHex[b & 0xF];
  }
  return out;
}

/// A SQL string literal.
inline std::string q(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

inline std::size_t count_events(const ModuleRun& run, std::string_view event) {
  std::size_t n = 0;
  for (const auto& e : run.events) n += e.event == event;
  return n;
}

inline bool has_event(const ModuleRun& run, std::string_view event, std::string_view data) {
  for (const auto& e : run.events)
    if (e.event == event && e.data == data) return true;
  return false;
}

inline bool has_data(const ModuleRun& run, std::string_view data) {
  for (const auto& e : run.events)
    if (e.data == data) return true;
  return false;
}

inline std::string iso(core::Micros t) { return core::format_iso(t); }

}  // namespace vigil::test::messaging
