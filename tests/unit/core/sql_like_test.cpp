// core::sql_like against SQLite's own LIKE: the same answer for every pattern and text, including
// case, '_' on multi-byte and broken UTF-8, and NUL bytes.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <random>
#include <string>

#include "core/sqlite.hpp"

namespace vigil::core {
namespace {

class SqliteLike {
 public:
  SqliteLike() {
    EXPECT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    EXPECT_EQ(sqlite3_prepare_v2(db_, "SELECT ?2 LIKE ?1", -1, &st_, nullptr), SQLITE_OK);
  }
  ~SqliteLike() {
    sqlite3_finalize(st_);
    sqlite3_close(db_);
  }
  SqliteLike(const SqliteLike&) = delete;
  SqliteLike& operator=(const SqliteLike&) = delete;

  bool operator()(const std::string& pattern, const std::string& text) {
    sqlite3_reset(st_);
    sqlite3_bind_text(st_, 1, pattern.data(), static_cast<int>(pattern.size()), SQLITE_STATIC);
    sqlite3_bind_text(st_, 2, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
    EXPECT_EQ(sqlite3_step(st_), SQLITE_ROW);
    return sqlite3_column_int(st_, 0) == 1;
  }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* st_ = nullptr;
};

TEST(SqlLike, ManifestPatterns) {
  SqliteLike sqlite;
  const std::string pattern = "Library/Safari/Profiles/%/History.db";
  for (const std::string text :
       {"Library/Safari/Profiles/ABC/History.db", "library/safari/profiles/x/y/HISTORY.DB",
        "Library/Safari/Profiles//History.db", "Library/Safari/Profiles/History.db",
        "Library/Safari/Profiles/A/History.db-wal", "XLibrary/Safari/Profiles/A/History.db"}) {
    EXPECT_EQ(sql_like(pattern, text), sqlite(pattern, text)) << text;
  }
  EXPECT_TRUE(sql_like(pattern, "library/safari/profiles/x/y/HISTORY.DB"));
  EXPECT_FALSE(sql_like(pattern, "Library/Safari/Profiles/History.db"));
  // '_' is a wildcard for one character, a multi-byte one included.
  EXPECT_TRUE(sql_like("full_browsing",
                       "full\xC3\xA9"
                       "browsing"));
  EXPECT_FALSE(sql_like("full_browsing", "fullbrowsing"));
  // Text ends at a NUL byte, as SQLite reads it.
  EXPECT_TRUE(sql_like("a%", std::string("ab\0c", 4)));
  EXPECT_FALSE(sql_like("%c", std::string("ab\0c", 4)));
}

TEST(SqlLike, AgreesWithSqliteOnRandomStrings) {
  SqliteLike sqlite;
  // Pieces that exercise case folding, wildcards, UTF-8 (valid, truncated, overlong, stray
  // continuation bytes, a surrogate) and NUL.
  const std::string pieces[] = {"a",
                                "A",
                                "b",
                                "/",
                                "%",
                                "_",
                                "\xC3\xA9",
                                "\xC3",
                                "\xC0\xAF",
                                "\x80",
                                "\xED\xA0\x80",
                                std::string(1, '\0'),
                                "\xEF\xBF\xBF",
                                "Z",
                                "z"};
  std::mt19937 random(20261127);
  auto make = [&](std::size_t max_pieces) {
    std::string s;
    const std::size_t n = random() % (max_pieces + 1);
    for (std::size_t i = 0; i < n; ++i) s += pieces[random() % std::size(pieces)];
    return s;
  };
  std::size_t matches = 0;
  for (int i = 0; i < 200000; ++i) {
    const std::string pattern = make(6), text = make(8);
    const bool expected = sqlite(pattern, text);
    matches += expected ? 1 : 0;
    ASSERT_EQ(sql_like(pattern, text), expected) << "pattern " << testing::PrintToString(pattern)
                                                 << " text " << testing::PrintToString(text);
  }
  EXPECT_GT(matches, 10000u) << "the random cases must include many matches";
}

}  // namespace
}  // namespace vigil::core
