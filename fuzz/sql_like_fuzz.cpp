// Differential fuzzing of core::sql_like (matched against every relative path of Manifest.db,
// hostile bytes included) against SQLite's own LIKE. The first 0xFF byte of the input splits it
// into pattern and text. Aborts on any disagreement.
#include <sqlite3.h>

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/sqlite.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static sqlite3* db = [] {
    sqlite3* d = nullptr;
    if (sqlite3_open(":memory:", &d) != SQLITE_OK) std::abort();
    return d;
  }();
  static sqlite3_stmt* st = [] {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT ?2 LIKE ?1", -1, &s, nullptr) != SQLITE_OK) std::abort();
    return s;
  }();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t split = input.find('\xFF');
  const std::string_view pattern = input.substr(0, split);
  const std::string_view text = split == std::string_view::npos ? "" : input.substr(split + 1);
  sqlite3_reset(st);
  sqlite3_bind_text(st, 1, pattern.data(), static_cast<int>(pattern.size()), SQLITE_STATIC);
  sqlite3_bind_text(st, 2, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  if (sqlite3_step(st) != SQLITE_ROW) return 0;  // e.g. a pattern longer than SQLite allows
  const bool expected = sqlite3_column_int(st, 0) == 1;
  if (vigil::core::sql_like(pattern, text) != expected) std::abort();
  return 0;
}
