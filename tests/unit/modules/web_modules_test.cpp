// The browser and WebKit modules (SafariBrowserState, SafariHistory, ChromeHistory,
// ChromeFavicon, FirefoxHistory, FirefoxFavicon, WebkitResourceLoadStatistics,
// WebkitSessionResourceLog, Shortcuts) on MVT's test backup (spec §8.3, §8.6) and, where that
// backup lacks the artifact, on fixtures built at run time in a copy of it with the real schemas.
#include <plist/plist.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "indicators/stix2_loader.hpp"
#include "unit/modules/module_harness.hpp"
#include "vfs/ios_backup.hpp"

namespace vigil::test {
namespace {

namespace fs = std::filesystem;
using indicators::IocType;
using modules::Level;

// ---------------------------------------------------------------------------------------------
// Fixtures: a writable copy of MVT's backup, SQLite databases and binary plists built in it.

class BackupCopy {
 public:
  BackupCopy() {
    fs::copy(mvt_backup(), root(), fs::copy_options::recursive);
    fs::permissions(root() / "Manifest.db", fs::perms::owner_write, fs::perm_options::add);
  }
  [[nodiscard]] fs::path root() const { return dir_.path() / "backup"; }
  /// The payload path of a file ID (its folder created).
  [[nodiscard]] fs::path payload(const std::string& id) const {
    auto path = root() / id.substr(0, 2) / id;
    fs::create_directories(path.parent_path());
    return path;
  }
  [[nodiscard]] fs::path payload(std::string_view domain, std::string_view rel) const {
    return payload(vfs::IosBackup::file_id(domain, rel));
  }
  /// Adds a Files row to Manifest.db; returns the file ID (SHA-1 of domain-path unless given).
  std::string add_row(std::string_view domain, std::string_view rel, std::string id = {}) const {
    if (id.empty()) id = vfs::IosBackup::file_id(domain, rel);
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open((root() / "Manifest.db").c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db,
                                 "INSERT INTO Files (fileID, domain, relativePath, flags, file) "
                                 "VALUES (?, ?, ?, 1, NULL)",
                                 -1, &st, nullptr),
              SQLITE_OK);
    sqlite3_bind_text(st, 1, id.data(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, domain.data(), static_cast<int>(domain.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, rel.data(), static_cast<int>(rel.size()), SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return id;
  }

 private:
  TempDir dir_;
};

void exec_sql(const fs::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK)
      << (err != nullptr ? err : "") << "\n"
      << sql;
  sqlite3_free(err);
  sqlite3_close(db);
}

std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "X'";
  for (char c : bytes) {
    auto b = static_cast<unsigned char>(c);
    out += kHex[b >> 4];
    out += kHex[b & 0xF];
  }
  return out + "'";
}

// Owned libplist nodes, built in tests and serialised as binary plists.
struct Node {
  plist_t p;
};
Node str(const char* s) { return {plist_new_string(s)}; }
Node date(std::int32_t cocoa_seconds) { return {plist_new_date(cocoa_seconds, 0)}; }
Node boolean(bool b) { return {plist_new_bool(b ? 1 : 0)}; }
Node data(std::string_view bytes) { return {plist_new_data(bytes.data(), bytes.size())}; }
Node array(std::initializer_list<Node> items) {
  plist_t a = plist_new_array();
  for (const auto& n : items) plist_array_append_item(a, n.p);
  return {a};
}
Node dict(std::initializer_list<std::pair<const char*, Node>> items) {
  plist_t d = plist_new_dict();
  for (const auto& [k, v] : items) plist_dict_set_item(d, k, v.p);
  return {d};
}
std::string bplist(Node root) {
  char* out = nullptr;
  std::uint32_t length = 0;
  plist_to_bin(root.p, &out, &length);
  std::string bytes(out, length);
  plist_to_bin_free(out);
  plist_free(root.p);
  return bytes;
}

std::vector<std::string> event_data(const ModuleRun& run) {
  std::vector<std::string> out;
  for (const auto& e : run.events) out.push_back(e.event + "|" + e.data);
  std::sort(out.begin(), out.end());
  return out;
}

// Real schemas (copied from the generator's ios_schemas.py, themselves from real devices).
constexpr const char* kBrowserStateSchema =
    "CREATE TABLE browser_windows (id INTEGER PRIMARY KEY AUTOINCREMENT,uuid TEXT NOT NULL,type "
    "INTEGER DEFAULT 0,active_document_index INTEGER DEFAULT 0,active_private_document_index "
    "INTEGER DEFAULT 0,active_document_is_valid BOOL DEFAULT 1,tab_state_successfully_loaded BOOL "
    "DEFAULT 0,legacy_plist_file_version INTEGER DEFAULT 0, scene_id TEXT,CONSTRAINT "
    "uuid_type_index UNIQUE(uuid, type));"
    "CREATE TABLE tabs (id INTEGER PRIMARY KEY AUTOINCREMENT,uuid TEXT NOT NULL UNIQUE,title "
    "TEXT,url TEXT COLLATE NOCASE,user_visible_url TEXT COLLATE NOCASE,order_index INTEGER NOT "
    "NULL,last_viewed_time REAL DEFAULT NULL,readinglist_bookmark_id INTEGER DEFAULT "
    "0,opened_from_link BOOL DEFAULT 0,showing_reader BOOL DEFAULT 0,reader_view_top_scroll_offset "
    "INTEGER DEFAULT 0,private_browsing BOOL DEFAULT 0,displaying_standalone_image BOOL DEFAULT "
    "0,browser_window_uuid TEXT NOT NULL,browser_window_id INTEGER NOT NULL);"
    "CREATE TABLE tab_sessions (id INTEGER PRIMARY KEY AUTOINCREMENT,tab_uuid TEXT NOT NULL "
    "UNIQUE,session_data BLOB DEFAULT NULL,uncompressed_session_data_size INTEGER NOT NULL "
    "DEFAULT 0);";

constexpr const char* kSafariHistorySchema =
    "CREATE TABLE history_items (id INTEGER PRIMARY KEY AUTOINCREMENT,url TEXT NOT NULL "
    "UNIQUE,domain_expansion TEXT NULL,visit_count INTEGER NOT NULL,daily_visit_counts BLOB NOT "
    "NULL,weekly_visit_counts BLOB NULL,autocomplete_triggers BLOB "
    "NULL,should_recompute_derived_visit_counts INTEGER NOT NULL,visit_count_score INTEGER NOT "
    "NULL,status_code INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE history_visits (id INTEGER PRIMARY KEY AUTOINCREMENT,history_item INTEGER NOT "
    "NULL REFERENCES history_items(id) ON DELETE CASCADE,visit_time REAL NOT NULL,title TEXT "
    "NULL,load_successful BOOLEAN NOT NULL DEFAULT 1,http_non_get BOOLEAN NOT NULL DEFAULT "
    "0,synthesized BOOLEAN NOT NULL DEFAULT 0,redirect_source INTEGER NULL UNIQUE REFERENCES "
    "history_visits(id) ON DELETE CASCADE,redirect_destination INTEGER NULL UNIQUE REFERENCES "
    "history_visits(id) ON DELETE CASCADE,origin INTEGER NOT NULL DEFAULT 0,generation INTEGER "
    "NOT NULL DEFAULT 0,attributes INTEGER NOT NULL DEFAULT 0,score INTEGER NOT NULL DEFAULT 0);";

constexpr const char* kChromeHistorySchema =
    "CREATE TABLE meta(key LONGVARCHAR NOT NULL UNIQUE PRIMARY KEY, value LONGVARCHAR);"
    "CREATE TABLE urls(id INTEGER PRIMARY KEY AUTOINCREMENT,url LONGVARCHAR,title "
    "LONGVARCHAR,visit_count INTEGER DEFAULT 0 NOT NULL,typed_count INTEGER DEFAULT 0 NOT "
    "NULL,last_visit_time INTEGER NOT NULL,hidden INTEGER DEFAULT 0 NOT NULL);"
    "CREATE TABLE visits(id INTEGER PRIMARY KEY AUTOINCREMENT,url INTEGER NOT NULL,visit_time "
    "INTEGER NOT NULL,from_visit INTEGER,transition INTEGER DEFAULT 0 NOT NULL,segment_id "
    "INTEGER,visit_duration INTEGER DEFAULT 0 NOT NULL,incremented_omnibox_typed_score BOOLEAN "
    "DEFAULT FALSE NOT NULL,opener_visit INTEGER,originator_cache_guid TEXT,originator_visit_id "
    "INTEGER,originator_from_visit INTEGER,originator_opener_visit INTEGER,is_known_to_sync "
    "BOOLEAN DEFAULT FALSE NOT NULL,consider_for_ntp_most_visited BOOLEAN DEFAULT FALSE NOT "
    "NULL);";

constexpr const char* kChromeFaviconsSchema =
    "CREATE TABLE meta(key LONGVARCHAR NOT NULL UNIQUE PRIMARY KEY, value LONGVARCHAR);"
    "CREATE TABLE icon_mapping(id INTEGER PRIMARY KEY,page_url LONGVARCHAR NOT NULL,icon_id "
    "INTEGER);"
    "CREATE TABLE favicons(id INTEGER PRIMARY KEY,url LONGVARCHAR NOT NULL,icon_type INTEGER "
    "DEFAULT 1);"
    "CREATE TABLE favicon_bitmaps(id INTEGER PRIMARY KEY,icon_id INTEGER NOT NULL,last_updated "
    "INTEGER DEFAULT 0,image_data BLOB,width INTEGER DEFAULT 0,height INTEGER DEFAULT "
    "0,last_requested INTEGER DEFAULT 0);";

constexpr const char* kFirefoxSchema =
    "CREATE TABLE domains (id INTEGER PRIMARY KEY AUTOINCREMENT, domain TEXT NOT NULL UNIQUE, "
    "showOnTopSites TINYINT NOT NULL DEFAULT 1);"
    "CREATE TABLE history (id INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT NOT NULL UNIQUE, url "
    "TEXT UNIQUE, title TEXT NOT NULL, server_modified INTEGER, local_modified INTEGER, "
    "is_deleted TINYINT NOT NULL, should_upload TINYINT NOT NULL, domain_id INTEGER);"
    "CREATE TABLE visits (id INTEGER PRIMARY KEY AUTOINCREMENT, siteID INTEGER NOT NULL, date "
    "REAL NOT NULL, type INTEGER NOT NULL, is_local TINYINT NOT NULL, UNIQUE (siteID, date, "
    "type));"
    "CREATE TABLE favicons (id INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL UNIQUE, "
    "width INTEGER, height INTEGER, type INTEGER NOT NULL, date REAL NOT NULL);"
    "CREATE TABLE favicon_sites (id INTEGER PRIMARY KEY AUTOINCREMENT, siteID INTEGER NOT NULL, "
    "faviconID INTEGER NOT NULL, UNIQUE (siteID, faviconID));";

constexpr const char* kObservationsSchema =
    "CREATE TABLE ObservedDomains (domainID INTEGER PRIMARY KEY, registrableDomain TEXT NOT NULL "
    "UNIQUE ON CONFLICT FAIL, lastSeen REAL NOT NULL, hadUserInteraction INTEGER NOT NULL, "
    "mostRecentUserInteractionTime REAL NOT NULL, mostRecentWebPushInteractionTime REAL NOT "
    "NULL, grandfathered INTEGER NOT NULL DEFAULT 0);";

constexpr const char* kShortcutsSchema =
    "CREATE TABLE ZSHORTCUT ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, "
    "ZACTIONCOUNT INTEGER, ZHIDDEN INTEGER, ZHIDDENFROMLIBRARYANDSYNC INTEGER, ZRUNEVENTSCOUNT "
    "INTEGER, ZTOMBSTONED INTEGER, ZACTIONS INTEGER, ZCREATIONDATE TIMESTAMP, ZMODIFICATIONDATE "
    "TIMESTAMP, ZLASTRUNEVENTDATE TIMESTAMP, ZACTIONSDESCRIPTION VARCHAR, "
    "ZASSOCIATEDAPPBUNDLEIDENTIFIER VARCHAR, ZNAME VARCHAR, ZWORKFLOWID VARCHAR, "
    "ZWORKFLOWSUBTITLE VARCHAR, ZICON BLOB, ZINPUTCLASSESDATA BLOB, ZWORKFLOWTYPESDATA BLOB );"
    "CREATE TABLE ZSHORTCUTACTIONS ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, "
    "ZSHORTCUT INTEGER, ZDATA BLOB );";

constexpr const char* kChromeDomain = "AppDomain-com.google.chrome.ios";
constexpr const char* kFirefoxDomain = "AppDomainGroup-group.org.mozilla.ios.Firefox";
constexpr const char* kSafariHistoryId = "1a0e7afc19d307da602ccdcece51af33afe92c53";
constexpr const char* kBrowserStateId = "3a47b0981ed7c10f3e2800aa66bac96a3b5db28e";

// ---------------------------------------------------------------------------------------------
// SafariBrowserState

TEST(SafariBrowserState, MvtBackup) {
  VIGIL_REQUIRE_SHARED();
  auto run = run_module("safari_browser_state", mvt_backup());
  ASSERT_EQ(run.records.size(), 1u);
  const auto& r = run.records[0];
  EXPECT_EQ(r["tab_title"], "NSO is bad");
  EXPECT_EQ(r["tab_url"], "https://en.wikipedia.org/wiki/NSO_Group");
  EXPECT_EQ(r["tab_visible_url"], "https://en.wikipedia.org/wiki/NSO_Group");
  EXPECT_EQ(r["last_viewed_timestamp"], "2021-09-29 08:56:46.156382");
  EXPECT_EQ(r["session_data"], modules::Json::array());
  EXPECT_EQ(r["safari_browser_state_db"], "3a/3a47b0981ed7c10f3e2800aa66bac96a3b5db28e");
  ASSERT_EQ(run.events.size(), 1u);
  EXPECT_EQ(run.events[0].event, "tab");
  EXPECT_EQ(run.events[0].module, "SafariBrowserState");
  EXPECT_EQ(run.events[0].data, "NSO is bad - https://en.wikipedia.org/wiki/NSO_Group");
  EXPECT_TRUE(run.alerts.empty());
  EXPECT_TRUE(run.warnings.empty());
  auto iocs = test_iocs();  // example.org & co.: no match
  EXPECT_TRUE(run_module("safari_browser_state", mvt_backup(), iocs.get()).alerts.empty());
}

TEST(SafariBrowserState, Detection) {
  VIGIL_REQUIRE_SHARED();
  auto iocs = test_iocs({{IocType::domain, "en.wikipedia.org"}});
  auto run = run_module("safari_browser_state", mvt_backup(), iocs.get());
  ASSERT_EQ(run.records.size(), 1u);
  ASSERT_EQ(run.alerts.size(), 1u);
  EXPECT_EQ(run.alerts[0].level, Level::critical);
  EXPECT_EQ(run.alerts[0].message,
            "Found a known suspicious domain https://en.wikipedia.org/wiki/NSO_Group matching "
            "indicator \"en.wikipedia.org\" from \"TestMalware\"");
  EXPECT_EQ(run.alerts[0].event["tab_url"], "https://en.wikipedia.org/wiki/NSO_Group");
  ASSERT_TRUE(run.alerts[0].event_time.has_value());
  EXPECT_EQ(core::format_iso(*run.alerts[0].event_time), "2021-09-29 08:56:46.156382");
  // Near miss: a sibling sub-domain of the same site is not the indicator.
  auto sibling = test_iocs({{IocType::domain, "fr.wikipedia.org"}});
  EXPECT_TRUE(run_module("safari_browser_state", mvt_backup(), sibling.get()).alerts.empty());
}

TEST(SafariBrowserState, ProfileDatabase) {
  VIGIL_REQUIRE_SHARED();
  BackupCopy b;
  std::string id = b.add_row("AppDomain-com.apple.mobilesafari",
                             "Library/Safari/Profiles/00000000-0000-4000-A000-000000000001/"
                             "BrowserState.db",
                             "bb00000000000000000000000000000000000001");
  fs::copy_file(mvt_backup() / "3a" / kBrowserStateId, b.payload(id));
  auto run = run_module("safari_browser_state", b.root());
  ASSERT_EQ(run.records.size(), 2u);
  EXPECT_NE(run.records[0]["safari_browser_state_db"], run.records[1]["safari_browser_state_db"]);
  EXPECT_EQ(run.records[1]["safari_browser_state_db"],
            "bb/bb00000000000000000000000000000000000001");
  EXPECT_EQ(run.events.size(), 2u);
}

TEST(SafariBrowserState, SessionHistoryEntries) {
  VIGIL_REQUIRE_SHARED();
  BackupCopy b;
  auto path = b.payload(kBrowserStateId);
  fs::remove(path);
  std::string session =
      std::string("\x00\x00\x00\x02", 4) +
      bplist(dict(
          {{"SessionHistory",
            dict({{"SessionHistoryCurrentIndex", {plist_new_uint(1)}},
                  {"SessionHistoryEntries",
                   array(
                       {dict({{"SessionHistoryEntryTitle", str("Start")},
                              {"SessionHistoryEntryURL", str("https://start.example.net/")},
                              {"SessionHistoryEntryOriginalURL", str("https://start.example.net/")},
                              {"SessionHistoryEntryData", data("12345")}}),
                        dict({{"SessionHistoryEntryTitle", str("Landing")},
                              {"SessionHistoryEntryURL", str("https://landing.example.com/x")},
                              {"SessionHistoryEntryOriginalURL",
                               str("http://evil.example.org/redirect")}})})}})},
           {"IsAppInitiated", boolean(false)}}));
  exec_sql(path, std::string(kBrowserStateSchema) +
                     "INSERT INTO tabs (id, uuid, title, url, user_visible_url, order_index, "
                     "last_viewed_time, browser_window_uuid, browser_window_id) VALUES "
                     "(1, 'T1', 'Landing', 'https://landing.example.com/x', "
                     "'https://landing.example.com/x', 0, 680000000.0, 'W', 1),"
                     "(2, 'T2', 'Broken', 'https://broken.example.com/', "
                     "'https://broken.example.com/', 1, 680000001.0, 'W', 1);"
                     "INSERT INTO tab_sessions (tab_uuid, session_data) VALUES ('T1', " +
                     hex(session) + "), ('T2', X'000000026E6F74206120706C697374');");
  auto iocs = test_iocs();  // example.org is an indicator: only the original URL holds it
  auto run = run_module("safari_browser_state", b.root(), iocs.get());
  ASSERT_EQ(run.records.size(), 2u);
  const auto& entries = run.records[0]["session_data"];
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0]["entry_title"], "Start");
  EXPECT_EQ(entries[0]["entry_url"], "https://start.example.net/");
  EXPECT_EQ(entries[0]["data_length"], 5);
  EXPECT_EQ(entries[1]["entry_url"], "https://landing.example.com/x");
  EXPECT_EQ(entries[1]["entry_original_url"], "http://evil.example.org/redirect");
  EXPECT_EQ(entries[1]["data_length"], 0);
  EXPECT_EQ(run.records[0]["last_viewed_timestamp"], "2022-07-20 08:53:20.000000");
  ASSERT_EQ(run.alerts.size(), 1u);
  EXPECT_EQ(run.alerts[0].level, Level::critical);
  EXPECT_EQ(run.alerts[0].event["tab_title"], "Landing");
  EXPECT_EQ(run.alerts[0].matched_indicator["value"], "example.org");
  EXPECT_EQ(run.records[1]["session_data"], modules::Json::array());
  ASSERT_EQ(run.warnings.size(), 1u);  // the unreadable blob, once
  EXPECT_NE(run.warnings[0].find("1 session_data blob(s)"), std::string::npos);
}

TEST(SafariBrowserState, OldSchemaAndBrokenFiles) {
  VIGIL_REQUIRE_SHARED();
  BackupCopy b;
  auto path = b.payload(kBrowserStateId);
  fs::remove(path);
  // iOS < 12: no tab_sessions, the blob in tabs.
  exec_sql(path,
           "CREATE TABLE tabs (id INTEGER PRIMARY KEY, uuid TEXT, title TEXT, url TEXT, "
           "user_visible_url TEXT, last_viewed_time REAL, session_data BLOB);"
           "INSERT INTO tabs VALUES (1, 'U', 'Old', 'https://old.example.net/', "
           "'https://old.example.net/', 500000000.0, NULL);");
  auto run = run_module("safari_browser_state", b.root());
  ASSERT_EQ(run.records.size(), 1u);
  EXPECT_EQ(run.records[0]["tab_title"], "Old");
  EXPECT_TRUE(run.warnings.empty());

  fs::remove(path);
  exec_sql(path, "CREATE TABLE other (x INTEGER);");
  run = run_module("safari_browser_state", b.root());
  EXPECT_TRUE(run.records.empty());
  ASSERT_EQ(run.warnings.size(), 1u);
  EXPECT_NE(run.warnings[0].find("schema not recognised"), std::string::npos);

  fs::resize_file(path, 100);  // truncated: not a database any more
  run = run_module("safari_browser_state", b.root());
  EXPECT_TRUE(run.records.empty());
  EXPECT_EQ(run.warnings.size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// SafariHistory

void make_history(const fs::path& path, const std::string& inserts) {
  fs::remove(path);
  exec_sql(path, std::string(kSafariHistorySchema) + inserts);
}

std::string item(int id, const std::string& url) {
  return "INSERT INTO history_items (id, url, visit_count, daily_visit_counts, "
         "should_recompute_derived_visit_counts, visit_count_score) VALUES (" +
         std::to_string(id) + ", '" + url + "', 1, X'00', 0, 100);";
}

std::string visit(int id, int item_id, const std::string& time, const std::string& source = "NULL",
                  const std::string& destination = "NULL") {
  return "INSERT INTO history_visits (id, history_item, visit_time, redirect_source, "
         "redirect_destination) VALUES (" +
         std::to_string(id) + ", " + std::to_string(item_id) + ", " + time + ", " + source + ", " +
         destination + ");";
}

// find_path_like: the one pass over the relative paths (patterns declared beforehand) finds
// exactly the rows SQLite's LIKE query finds.
TEST(ManifestPatterns, OnePassFindsWhatTheLikeQueryFinds) {
  VIGIL_REQUIRE_SHARED();
  BackupCopy b;
  const std::string safari = "Library/Safari/Profiles/%/History.db";
  const std::string clips = "Library/WebClips/%/Storage/full_browsing_session_resourceLog.plist";
  const std::string chromium = "Library/Application Support/%/History";
  b.add_row("HomeDomain", "Library/Safari/Profiles/AAA/History.db");
  b.add_row("HomeDomain", "library/safari/profiles/bbb/HISTORY.DB");  // LIKE ignores ASCII case
  b.add_row("HomeDomain", "Library/Safari/Profiles/x/y/History.db");  // '%' spans folders
  b.add_row("HomeDomain", "Library/Safari/Profiles/History.db");      // no folder: no match
  b.add_row("HomeDomain", "Library/Safari/Profiles/A/History.db-wal");
  b.add_row("HomeDomain", std::string("Library/Safari/Profiles/N/History.db\0tail", 41));
  b.add_row("HomeDomain", "Library/WebClips/W1/Storage/fullXbrowsing_session_resourceLog.plist");
  b.add_row("HomeDomain",
            "Library/WebClips/W2/Storage/full\xC3\xA9"
            "browsing_session_resourceLog.plist");  // '_': one character of two bytes
  b.add_row("HomeDomain", "Library/WebClips/W3/Storage/fullbrowsing_session_resourceLog.plist");
  // One path in two more app containers (MVT's backup has Chrome's): three rows.
  b.add_row("AppDomain-com.brave.ios", "Library/Application Support/Google/Chrome/Default/History");
  b.add_row("AppDomain-com.microsoft.msedge",
            "Library/Application Support/Google/Chrome/Default/History");

  auto open = [&] {
    std::string error, note;
    auto backup = vfs::IosBackup::open(b.root(), error, note);
    EXPECT_TRUE(backup) << error;
    return backup;
  };
  auto rows = [](const std::vector<vfs::BackupFile>& files) {
    std::vector<std::string> out;
    for (const auto& f : files)
      out.push_back(f.file_id + " " + f.domain + " " + f.relative_path + " " +
                    std::to_string(f.flags));
    return out;
  };
  auto one_pass = open(), by_query = open();
  ASSERT_TRUE(one_pass && by_query);
  one_pass->expect_path_patterns({safari, clips, chromium});
  const std::size_t expected_rows[] = {4, 2, 3};
  std::size_t i = 0;
  for (const auto& pattern : {safari, clips, chromium}) {
    auto found = rows(one_pass->find_path_like(pattern));
    EXPECT_EQ(found, rows(by_query->find_path_like(pattern))) << pattern;
    EXPECT_EQ(found.size(), expected_rows[i++]) << pattern;
  }
  EXPECT_EQ(one_pass->like_queries(), 0u);
  EXPECT_EQ(by_query->like_queries(), 3u);
  (void)one_pass->find_path_like("%.plist");  // not declared: a query of its own
  EXPECT_EQ(one_pass->like_queries(), 1u);

  // A relative path that is not text (LIKE reads a blob's bytes as text, `=` compares it as a
  // blob): the one pass cannot answer exactly, and every lookup is a query.
  exec_sql(b.root() / "Manifest.db",
           "INSERT INTO Files VALUES ('ff00000000000000000000000000000000000000', 'HomeDomain', "
           "CAST('Library/Safari/Profiles/B/History.db' AS BLOB), 1, NULL);");
  auto with_blob = open(), with_blob_query = open();
  ASSERT_TRUE(with_blob && with_blob_query);
  with_blob->expect_path_patterns({safari});
  auto found = rows(with_blob->find_path_like(safari));
  EXPECT_EQ(found, rows(with_blob_query->find_path_like(safari)));
  EXPECT_EQ(found.size(), 4u) << "SQLite's query does not return the blob row either";
  EXPECT_EQ(with_blob->like_queries(), 1u);
}

TEST(SafariHistory, MvtBackupHasNoPayload) {
  VIGIL_REQUIRE_SHARED();
  auto iocs = test_iocs();
  auto run = run_module("safari_history", mvt_backup(), iocs.get());
  EXPECT_TRUE(run.records.empty());
  EXPECT_TRUE(run.alerts.empty());
  EXPECT_TRUE(run.warnings.empty());
  ASSERT_EQ(run.missing.size(), 1u);  // the Manifest row exists, its file does not
  EXPECT_EQ(run.missing[0], "HomeDomain/Library/Safari/History.db");
}

// MVT's backup_with_profile test: the default database and one profile's.
void add_profile_history(const BackupCopy& b, int visit_id = 1) {
  make_history(b.payload(kSafariHistoryId),
               item(1, "https://default.example.net/visited-page") + visit(1, 1, "726100000.0"));
  std::string id = b.add_row("AppDomain-com.apple.mobilesafari",
                             "Library/Safari/Profiles/00000000-0000-4000-A000-000000000001/"
                             "History.db",
                             "aa00000000000000000000000000000000000001");
  make_history(b.payload(id), item(1, "https://profile.example.net/visited-page") +
                                  visit(visit_id, 1, "726100000.0"));
}

TEST(SafariHistory, DefaultAndProfileDatabases) {
  VIGIL_REQUIRE_SHARED();
  BackupCopy b;
  add_profile_history(b);
  auto run = run_module("safari_history", b.root());
  ASSERT_EQ(run.records.size(), 2u);
  EXPECT_EQ(run.records[0]["url"], "https://default.example.net/visited-page");
  EXPECT_EQ(run.records[0]["safari_history_db"], "1a/1a0e7afc19d307da602ccdcece51af33afe92c53");
  EXPECT_EQ(run.records[0]["timestamp"], 726100000.0);
  EXPECT_EQ(run.records[0]["isodate"], "2024-01-04 22:26:40.000000");
  EXPECT_TRUE(run.records[0]["redirect_destination"].is_null());
  EXPECT_EQ(run.records[1]["url"], "https://profile.example.net/visited-page");
  EXPECT_EQ(run.records[1]["safari_history_db"], "aa/aa00000000000000000000000000000000000001");
  ASSERT_EQ(run.events.size(), 2u);
  EXPECT_EQ(run.events[0].event, "safari_history");
  EXPECT_EQ(run.events[0].data,
            "Safari visit to https://default.example.net/visited-page (ID: 1, Visit ID: 1)");
  EXPECT_TRUE(run.alerts.empty());
}

TEST(SafariHistory, DetectionInProfile) {
  VIGIL_REQUIRE_SHARED();
  BackupCopy b;
  add_profile_history(b);
  auto iocs = test_iocs({{IocType::domain, "profile.example.net"}});
  auto run = run_module("safari_history", b.root(), iocs.get());
  ASSERT_EQ(run.alerts.size(), 1u);
  EXPECT_EQ(run.alerts[0].level, Level::critical);
  EXPECT_EQ(run.alerts[0].event["url"], "https://profile.example.net/visited-page");
  EXPECT_EQ(run.alerts[0].event["safari_history_db"],
            "aa/aa00000000000000000000000000000000000001");
}

TEST(SafariHistory, RedirectIdsAreScopedToDatabase) {
  VIGIL_REQUIRE_SHARED();
  BackupCopy b;
  add_profile_history(b, /*visit_id=*/2);
  // Default database: an HTTPS upgrade on the same host (visit 1 -> 2).
  make_history(b.payload(kSafariHistoryId),
               item(1, "http://safe.example.com/start") + item(2, "https://safe.example.com/end") +
                   visit(1, 1, "726100000.0", "NULL", "2") + visit(2, 2, "726100000.1", "1"));
  auto run = run_module("safari_history", b.root());
  EXPECT_EQ(run.records.size(), 3u);
  EXPECT_TRUE(run.alerts.empty()) << "visit 2 of the profile is not the destination";
}

TEST(SafariHistory, TiesInVisitTimeKeepTheOrderOfMvtsQuery) {
  VIGIL_REQUIRE_SHARED();
  BackupCopy b;
  // Safari's index on visits, which SQLite's plan for MVT's query reads; visits whose rowid order
  // is not that index's order, many at the same time.
  std::string inserts =
      "CREATE INDEX history_visits__last_visit ON history_visits (history_item, visit_time "
      "DESC, synthesized ASC);";
  for (int i = 1; i <= 9; ++i) inserts += item(i, "https://t" + std::to_string(i) + ".example/");
  for (int v = 1; v <= 60; ++v)
    inserts += visit(v, 9 - (v * 7) % 9, v % 3 == 0 ? "726100000.0" : "726100001.5");
  inserts += "UPDATE history_visits SET synthesized = 1 WHERE id % 4 = 0;";
  const fs::path db = b.payload(kSafariHistoryId);
  make_history(db, inserts);
  // The oracle: MVT's query on the same database.
  std::vector<std::int64_t> expected;
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw,
                               "SELECT history_visits.id FROM history_items JOIN history_visits "
                               "ON history_visits.history_item = history_items.id ORDER BY "
                               "history_visits.visit_time",
                               -1, &st, nullptr),
            SQLITE_OK);
  while (sqlite3_step(st) == SQLITE_ROW) expected.push_back(sqlite3_column_int64(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(raw);
  ASSERT_EQ(expected.size(), 60u);
  std::vector<std::int64_t> ids;
  auto run = run_module("safari_history", b.root());
  for (const auto& r : run.records) ids.push_back(r["visit_id"].get<std::int64_t>());
  EXPECT_EQ(ids, expected);
  std::vector<std::int64_t> rowid_order;  // by time, ties in rowid order: a plain scan's order
  for (int early = 1; early >= 0; --early)
    for (int v = 1; v <= 60; ++v)
      if ((v % 3 == 0) == (early == 1)) rowid_order.push_back(v);
  EXPECT_NE(expected, rowid_order) << "the fixture must tell the two orders apart";
}

TEST(SafariHistory, FastCrossHostRedirect) {
  VIGIL_REQUIRE_SHARED();
  BackupCopy b;
  make_history(
      b.payload(kSafariHistoryId),
      item(1, "http://news.example.net/") + item(2, "https://injected.example.com/landing") +
          item(3, "http://www.upgrade.example.net/") + item(4, "https://upgrade.example.net/") +
          item(5, "http://slow.example.net/") + item(6, "https://elsewhere.example.com/") +
          item(7, "https://secure.example.net/") + item(8, "https://other.example.com/") +
          visit(1, 1, "726100000.0", "NULL", "2") + visit(2, 2, "726100000.25", "1") +
          visit(3, 3, "726100100.0", "NULL", "4") + visit(4, 4, "726100100.1", "3") +
          visit(5, 5, "726100200.0", "NULL", "6") + visit(6, 6, "726100201.5", "5") +
          visit(7, 7, "726100300.0", "NULL", "8") + visit(8, 8, "726100300.1", "7") +
          // A destination that does not exist and a redirect going back in time.
          visit(9, 5, "726100400.0", "NULL", "99") + visit(10, 1, "726100500.0", "NULL", "11") +
          visit(11, 2, "726100499.5", "10"));
  auto run = run_module("safari_history", b.root());  // no indicators: a heuristic
  EXPECT_EQ(run.records.size(), 11u);
  ASSERT_EQ(run.alerts.size(), 1u);
  const auto& a = run.alerts[0];
  EXPECT_EQ(a.level, Level::medium);
  EXPECT_EQ(a.message, "Redirect took less than a second! (250.0 milliseconds)");
  ASSERT_TRUE(a.event_time.has_value());
  EXPECT_EQ(core::format_iso(*a.event_time), "2024-01-04 22:26:40.000000");
  EXPECT_EQ(a.event["url"], "http://news.example.net/");
  EXPECT_EQ(a.event["visit_id"], 1);
  EXPECT_EQ(a.event["redirect_destination"], 2);
  EXPECT_EQ(a.event["isodate"], "2024-01-04 22:26:40.000000");
}

TEST(SafariHistory, BrokenDatabase) {
  VIGIL_REQUIRE_SHARED();
  BackupCopy b;
  exec_sql(b.payload(kSafariHistoryId), "CREATE TABLE history_items (id INTEGER, url TEXT);");
  auto run = run_module("safari_history", b.root());
  EXPECT_TRUE(run.records.empty());
  ASSERT_EQ(run.warnings.size(), 1u);
  EXPECT_NE(run.warnings[0].find("schema not recognised"), std::string::npos);
  std::ofstream(b.payload(kSafariHistoryId), std::ios::trunc) << "SQLite format 3";
  run = run_module("safari_history", b.root());
  EXPECT_TRUE(run.records.empty());
  EXPECT_EQ(run.warnings.size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// ChromeHistory and ChromeFavicon (Chrome, Edge, other Chromium-based browsers)

constexpr std::int64_t kChromeTime = 13350000000000000;  // 2024-01-17 21:20:00 UTC

void chrome_history(const fs::path& path, const std::string& url, std::int64_t time) {
  exec_sql(path, std::string(kChromeHistorySchema) +
                     "INSERT INTO urls (id, url, title, last_visit_time) VALUES (1, '" + url +
                     "', 'T', 0), (2, 'https://later.example.net/', 'L', 0);"
                     "INSERT INTO visits (id, url, visit_time, from_visit) VALUES (7, 2, " +
                     std::to_string(time + 1000000) + ", 3), (3, 1, " + std::to_string(time) +
                     ", 0);");
}

TEST(ChromeHistory, MvtBackupHasNoPayload) {
  VIGIL_REQUIRE_SHARED();
  auto run = run_module("chrome_history", mvt_backup());
  EXPECT_TRUE(run.records.empty());
  EXPECT_TRUE(run.warnings.empty());
  ASSERT_EQ(run.missing.size(), 1u);
  EXPECT_EQ(run.missing[0], std::string(kChromeDomain) +
                                "/Library/Application Support/Google/Chrome/Default/History");
}

TEST(ChromeHistory, ChromeAndEdge) {
  VIGIL_REQUIRE_SHARED();
  BackupCopy b;
  chrome_history(b.payload("faf971ce92c3ac508c018dce1bef2a8b8e9838f1"),
                 "https://www.example.org/chrome", kChromeTime);
  std::string edge_rel = "Library/Application Support/Microsoft/Edge/Default/History";
  b.add_row("AppDomain-com.microsoft.msedge", edge_rel);
  chrome_history(b.payload("AppDomain-com.microsoft.msedge", edge_rel), "https://edge.example.com/",
                 kChromeTime);
  // Not a Chromium profile folder: ignored.
  std::string other_rel = "Library/Application Support/Notes/History";
  b.add_row("AppDomain-com.example.notes", other_rel);
  exec_sql(b.payload("AppDomain-com.example.notes", other_rel), "CREATE TABLE x (y INTEGER);");

  auto iocs = test_iocs();
  auto run = run_module("chrome_history", b.root(), iocs.get());
  EXPECT_TRUE(run.warnings.empty());
  ASSERT_EQ(run.records.size(), 4u);
  const auto& r = run.records[0];
  EXPECT_EQ(r["id"], 1);
  EXPECT_EQ(r["url"], "https://www.example.org/chrome");
  EXPECT_EQ(r["visit_id"], 3);
  EXPECT_EQ(r["timestamp"], kChromeTime);
  EXPECT_EQ(r["isodate"], "2024-01-17 21:20:00.000000");
  EXPECT_EQ(r["redirect_source"], 0);
  EXPECT_EQ(r["browser"], "com.google.chrome.ios");
  EXPECT_EQ(run.records[1]["url"], "https://later.example.net/");  // visit-time order
  EXPECT_EQ(run.records[2]["browser"], "com.microsoft.msedge");
  EXPECT_EQ(run.records[2]["db_path"], "AppDomain-com.microsoft.msedge/" + edge_rel);
  auto data = event_data(run);
  EXPECT_NE(std::find(data.begin(), data.end(),
                      "visit|1 - https://www.example.org/chrome (visit ID: 3, redirect source: 0)"),
            data.end());
  EXPECT_NE(std::find(data.begin(), data.end(),
                      "visit|1 - https://edge.example.com/ (visit ID: 3, redirect source: 0) "
                      "[com.microsoft.msedge]"),
            data.end());
  ASSERT_EQ(run.alerts.size(), 1u);
  EXPECT_EQ(run.alerts[0].level, Level::critical);
  EXPECT_EQ(run.alerts[0].message,
            "Found a sub-domain with a suspicious top level https://www.example.org/chrome "
            "matching indicator \"example.org\" from \"TestMalware\"");
  EXPECT_EQ(run.alerts[0].event["browser"], "com.google.chrome.ios");

  auto edge_ioc = test_iocs({{IocType::domain, "edge.example.com"}});
  run = run_module("chrome_history", b.root(), edge_ioc.get());
  ASSERT_EQ(run.alerts.size(), 2u);
  EXPECT_EQ(run.alerts[1].event["browser"], "com.microsoft.msedge");
}

TEST(ChromeHistory, BrokenDatabase) {
  VIGIL_REQUIRE_SHARED();
  BackupCopy b;
  auto path = b.payload("faf971ce92c3ac508c018dce1bef2a8b8e9838f1");
  exec_sql(path, "CREATE TABLE urls (id INTEGER, url TEXT);");
  auto run = run_module("chrome_history", b.root());
  EXPECT_TRUE(run.records.empty());
  ASSERT_EQ(run.warnings.size(), 1u);
  EXPECT_NE(run.warnings[0].find("schema not recognised"), std::string::npos);
}

TEST(ChromeFavicon, ChromeFavicons) {
  VIGIL_REQUIRE_SHARED();
  BackupCopy b;
  EXPECT_EQ(run_module("chrome_favicon", b.root()).missing.size(), 1u);
  exec_sql(b.payload("55680ab883d0fdcffd94f959b1632e5fbbb18c5b"),
           std::string(kChromeFaviconsSchema) +
               "INSERT INTO favicons VALUES (1, 'https://a.example.net/favicon.ico', 1), "
               "(2, 'https://cdn.example.org/icon.png', 1);"
               "INSERT INTO icon_mapping VALUES (1, 'https://a.example.net/', 1), "
               "(2, 'https://b.example.net/page', 2);"
               "INSERT INTO favicon_bitmaps (id, icon_id, last_updated, last_requested) VALUES "
               "(1, 1, " +
               std::to_string(kChromeTime + 5000000) + ", 0), (2, 2, 0, " +
               std::to_string(kChromeTime) + ");");
  auto iocs = test_iocs();
  auto run = run_module("chrome_favicon", b.root(), iocs.get());
  ASSERT_EQ(run.records.size(), 2u);
  // Ordered by time: the second icon (last_requested, as last_updated is 0) comes first.
  EXPECT_EQ(run.records[0]["url"], "https://b.example.net/page");
  EXPECT_EQ(run.records[0]["icon_url"], "https://cdn.example.org/icon.png");
  EXPECT_EQ(run.records[0]["timestamp"], kChromeTime);
  EXPECT_EQ(run.records[0]["isodate"], "2024-01-17 21:20:00.000000");
  EXPECT_EQ(run.records[1]["isodate"], "2024-01-17 21:20:05.000000");
  ASSERT_EQ(run.events.size(), 2u);
  EXPECT_EQ(run.events[0].event, "new_favicon");
  EXPECT_EQ(run.events[0].data, "https://cdn.example.org/icon.png from https://b.example.net/page");
  ASSERT_EQ(run.alerts.size(), 1u);  // the icon URL, checked after the page URL
  EXPECT_EQ(run.alerts[0].event["url"], "https://b.example.net/page");
}

// ---------------------------------------------------------------------------------------------
// FirefoxHistory and FirefoxFavicon

void firefox_db(const BackupCopy& b) {
  exec_sql(b.payload(kFirefoxDomain, "profile.profile/browser.db"),
           std::string(kFirefoxSchema) +
               "INSERT INTO history (id, guid, url, title, is_deleted, should_upload) VALUES "
               "(1, 'g1', 'https://mozilla.example.net/a', 'A', 0, 0), "
               "(2, 'g2', 'https://evil.example.org/b', 'B', 0, 0);"
               "INSERT INTO visits VALUES (10, 1, 1700000000123456.0, 1, 1), "
               "(11, 2, 1700000100000000.0, 2, 0);"
               "INSERT INTO favicons VALUES (5, 'https://mozilla.example.net/favicon.ico', 32, "
               "32, 1, 1700000100.0), (6, 'https://cdn.example.com/i.ico', 16, 16, 1, "
               "1700000100000.0);"
               "INSERT INTO favicon_sites (siteID, faviconID) VALUES (1, 5), (2, 6);");
}

TEST(FirefoxHistory, Visits) {
  VIGIL_REQUIRE_SHARED();
  BackupCopy b;
  auto run = run_module("firefox_history", b.root());
  EXPECT_EQ(run.missing.size(), 1u);
  firefox_db(b);
  auto iocs = test_iocs();
  run = run_module("firefox_history", b.root(), iocs.get());
  ASSERT_EQ(run.records.size(), 2u);
  const auto& r = run.records[0];
  EXPECT_EQ(r["id"], 10);
  EXPECT_EQ(r["isodate"], "2023-11-14 22:13:20.123456");
  EXPECT_EQ(r["url"], "https://mozilla.example.net/a");
  EXPECT_EQ(r["title"], "A");
  EXPECT_EQ(r["is_local"], 1);
  EXPECT_FALSE(r.contains("i1000000s_local"));
  EXPECT_EQ(r["type"], 1);
  ASSERT_EQ(run.events.size(), 2u);
  EXPECT_EQ(run.events[0].event, "firefox_history");
  EXPECT_EQ(run.events[0].data, "Firefox visit with ID 10 to URL: https://mozilla.example.net/a");
  ASSERT_EQ(run.alerts.size(), 1u);
  EXPECT_EQ(run.alerts[0].event["id"], 11);
  EXPECT_EQ(core::format_iso(*run.alerts[0].event_time), "2023-11-14 22:15:00.000000");
}

TEST(FirefoxFavicon, Favicons) {
  VIGIL_REQUIRE_SHARED();
  BackupCopy b;
  firefox_db(b);
  auto iocs = test_iocs();
  auto run = run_module("firefox_favicon", b.root(), iocs.get());
  ASSERT_EQ(run.records.size(), 2u);
  const auto& r = run.records[0];
  EXPECT_EQ(r["id"], 5);
  EXPECT_EQ(r["url"], "https://mozilla.example.net/favicon.ico");
  EXPECT_EQ(r["width"], 32);
  EXPECT_EQ(r["type"], 1);
  EXPECT_EQ(r["isodate"], "2023-11-14 22:15:00.000000");
  EXPECT_EQ(r["history_id"], 1);
  EXPECT_EQ(r["history_url"], "https://mozilla.example.net/a");
  EXPECT_EQ(run.records[1]["isodate"], "2023-11-14 22:15:00.000000");  // milliseconds too
  ASSERT_EQ(run.events.size(), 2u);
  EXPECT_EQ(run.events[0].event, "firefox_history");
  EXPECT_EQ(run.events[0].data,
            "Firefox favicon https://mozilla.example.net/favicon.ico when visiting "
            "https://mozilla.example.net/a");
  ASSERT_EQ(run.alerts.size(), 1u);  // through the page's URL (evil.example.org)
  EXPECT_EQ(run.alerts[0].event["history_url"], "https://evil.example.org/b");
}

TEST(FirefoxHistory, BrokenDatabase) {
  VIGIL_REQUIRE_SHARED();
  BackupCopy b;
  exec_sql(b.payload(kFirefoxDomain, "profile.profile/browser.db"), "CREATE TABLE x (y INTEGER);");
  auto run = run_module("firefox_history", b.root());
  EXPECT_TRUE(run.records.empty());
  EXPECT_EQ(run.warnings.size(), 1u);
  run = run_module("firefox_favicon", b.root());
  EXPECT_TRUE(run.records.empty());
  EXPECT_EQ(run.warnings.size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// WebkitResourceLoadStatistics

TEST(WebkitResourceLoadStatistics, MvtBackup) {
  VIGIL_REQUIRE_SHARED();
  auto iocs = test_iocs();
  auto run = run_module("webkit_resource_load_statistics", mvt_backup(), iocs.get());
  ASSERT_EQ(run.records.size(), 2u);
  EXPECT_EQ(run.events.size(), 2u);
  EXPECT_TRUE(run.alerts.empty());
  EXPECT_TRUE(run.warnings.empty());
  const auto& google = run.records[0];
  EXPECT_EQ(google["domain_id"], 1);
  EXPECT_EQ(google["registrable_domain"], "google.com");
  EXPECT_EQ(google["last_seen"], 1634560250.0);
  EXPECT_EQ(google["had_user_interaction"], true);
  EXPECT_EQ(google["last_seen_isodate"], "2021-10-18 12:30:50.000000");
  EXPECT_EQ(google["domain"], "AppDomain-com.google.chrome.ios");
  EXPECT_EQ(google["path"], "Library/WebKit/WebsiteData/ResourceLoadStatistics/observations.db");
  EXPECT_GT(google["most_recent_user_interaction_time"].get<double>(), 0);
  EXPECT_EQ(google["most_recent_user_interaction_time_isodate"], "2021-10-18 12:27:10.768620");
  const auto& gstatic = run.records[1];
  EXPECT_EQ(gstatic["registrable_domain"], "gstatic.com");
  EXPECT_EQ(gstatic["most_recent_user_interaction_time"], -1.0);
  EXPECT_FALSE(gstatic.contains("most_recent_user_interaction_time_isodate"));
  for (const auto& r : run.records)
    EXPECT_FALSE(r.contains("most_recent_web_push_interaction_time"));
  auto data = event_data(run);
  EXPECT_EQ(data[0],
            "visit|Webkit resource loaded from google.com by app in domain "
            "AppDomain-com.google.chrome.ios");

  auto google_ioc = test_iocs({{IocType::domain, "google.com"}});
  run = run_module("webkit_resource_load_statistics", mvt_backup(), google_ioc.get());
  ASSERT_EQ(run.alerts.size(), 1u);
  EXPECT_EQ(run.alerts[0].event["registrable_domain"], "google.com");
}

TEST(WebkitResourceLoadStatistics, FullTimestampSchema) {
  VIGIL_REQUIRE_SHARED();
  BackupCopy b;  // Safari's observations.db is listed in Manifest.db but has no payload
  exec_sql(b.payload("f653134757c17c495b1f2790714a4a41ce366883"),
           std::string(kObservationsSchema) +
               "INSERT INTO ObservedDomains (domainID, registrableDomain, lastSeen, "
               "hadUserInteraction, mostRecentUserInteractionTime, "
               "mostRecentWebPushInteractionTime) VALUES "
               "(1, 'example.com', 1634560250.0, 1, 1634560030.0, -1.0);");
  auto run = run_module("webkit_resource_load_statistics", b.root());
  ASSERT_EQ(run.records.size(), 3u);
  const modules::Json* safari = nullptr;
  for (const auto& r : run.records)
    if (r["domain"] == "AppDomain-com.apple.mobilesafari") safari = &r;
  ASSERT_NE(safari, nullptr);
  EXPECT_EQ((*safari)["most_recent_user_interaction_time"], 1634560030.0);
  EXPECT_EQ((*safari)["most_recent_user_interaction_time_isodate"], "2021-10-18 12:27:10.000000");
  EXPECT_EQ((*safari)["most_recent_web_push_interaction_time"], -1.0);
  EXPECT_FALSE(safari->contains("most_recent_web_push_interaction_time_isodate"));
}

TEST(WebkitResourceLoadStatistics, UnknownSchema) {
  VIGIL_REQUIRE_SHARED();
  BackupCopy b;
  exec_sql(b.payload("f653134757c17c495b1f2790714a4a41ce366883"),
           "CREATE TABLE ObservedDomains (domainID INTEGER, registrableDomain TEXT);");
  auto run = run_module("webkit_resource_load_statistics", b.root());
  EXPECT_EQ(run.records.size(), 2u);  // Chrome's database still read
  ASSERT_EQ(run.warnings.size(), 1u);
  EXPECT_NE(run.warnings[0].find("schema not recognised"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// WebkitSessionResourceLog

constexpr const char* kSessionLogId = "a500ee38053454a02e990957be8a251935e28d3f";

std::string session_log() {
  return bplist(dict(
      {{"browsingStatistics", array({dict({{"PrevalentResourceOrigin", str("tracker.example.net")},
                                           {"topFrameUniqueRedirectsFrom",
                                            array({dict({{"origin", str("a.example.com")}})})},
                                           {"topFrameUniqueRedirectsTo",
                                            array({dict({{"origin", str("bad.example.org")}}),
                                                   dict({{"domain", str("c.example.com")}})})},
                                           {"subframeUnderTopFrameOrigins", array({})},
                                           {"subresourceUnderTopFrameOrigins",
                                            array({dict({{"domain", str("cdn.example.com")}})})},
                                           {"hadUserInteraction", boolean(true)},
                                           {"mostRecentUserInteraction", date(680000000)},
                                           {"lastSeen", date(680000060)}}),
                                     dict({{"PrevalentResourceOrigin", str("quiet.example.net")},
                                           {"lastSeen", date(680000120)}})})},
       {"version", {plist_new_uint(15)}}}));
}

TEST(WebkitSessionResourceLog, ItemsAndRedirectAlert) {
  VIGIL_REQUIRE_SHARED();
  BackupCopy b;
  EXPECT_EQ(run_module("webkit_session_resource_log", b.root()).missing.size(), 1u);
  std::ofstream(b.payload(kSessionLogId), std::ios::binary) << session_log();
  auto iocs = test_iocs();
  auto run = run_module("webkit_session_resource_log", b.root(), iocs.get());
  EXPECT_TRUE(run.warnings.empty());
  ASSERT_EQ(run.records.size(), 2u);
  EXPECT_TRUE(run.events.empty());
  const auto& r = run.records[0];
  EXPECT_EQ(r["origin"], "tracker.example.net");
  EXPECT_EQ(r["redirect_source"][0]["origin"], "a.example.com");
  EXPECT_EQ(r["redirect_destination"][1]["domain"], "c.example.com");
  EXPECT_EQ(r["subframe_under_origin"], modules::Json::array());
  EXPECT_EQ(r["user_interaction"], true);
  EXPECT_EQ(r["most_recent_interaction"], "2022-07-20 08:53:20.000000");
  EXPECT_EQ(r["last_seen"], "2022-07-20 08:54:20.000000");
  EXPECT_EQ(r["domain"], "AppDomain-com.apple.mobilesafari");
  EXPECT_EQ(r["file_id"], kSessionLogId);
  EXPECT_EQ(run.records[1]["redirect_source"], "");  // missing arrays: MVT's ""
  EXPECT_TRUE(run.records[1]["user_interaction"].is_null());
  ASSERT_EQ(run.alerts.size(), 2u);
  EXPECT_EQ(run.alerts[0].level, Level::critical);
  EXPECT_EQ(run.alerts[0].matched_indicator["value"], "example.org");
  EXPECT_EQ(run.alerts[1].level, Level::high);
  EXPECT_EQ(run.alerts[1].message,
            "Found HTTP redirect between suspicious domains: SOURCE: \"a.example.com\" -> "
            "ORIGIN: \"tracker.example.net\" -> DESTINATION: \"bad.example.org\", "
            "\"c.example.com\"");
  // Without indicators: records only.
  run = run_module("webkit_session_resource_log", b.root());
  EXPECT_EQ(run.records.size(), 2u);
  EXPECT_TRUE(run.alerts.empty());
}

TEST(WebkitSessionResourceLog, BrokenPlist) {
  VIGIL_REQUIRE_SHARED();
  BackupCopy b;
  std::ofstream(b.payload(kSessionLogId), std::ios::binary) << session_log().substr(0, 60);
  auto run = run_module("webkit_session_resource_log", b.root());
  EXPECT_TRUE(run.records.empty());
  EXPECT_EQ(run.warnings.size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// Shortcuts

TEST(Shortcuts, ActionUrls) {
  VIGIL_REQUIRE_SHARED();
  BackupCopy b;
  EXPECT_EQ(run_module("shortcuts", b.root()).missing.size(), 1u);
  std::string actions = bplist(array(
      {dict({{"WFWorkflowActionIdentifier", str("is.workflow.actions.gettext")},
             {"WFWorkflowActionParameters",
              dict({{"WFTextActionText", str("Read 'https://news.example.net/a', then rest.")}})}}),
       dict({{"WFWorkflowActionIdentifier", str("is.workflow.actions.downloadurl")},
             {"WFWorkflowActionParameters",
              dict({{"UUID", str("0000")},
                    {"WFURL", dict({{"Value", dict({{"string", str("https://dl.example.org/"
                                                                   "payload")}})}})}})}})}));
  exec_sql(b.payload("5b4d0b44b5990f62b9f4d34ad8dc382bf0b01094"),
           std::string(kShortcutsSchema) +
               "INSERT INTO ZSHORTCUT (Z_PK, ZNAME, ZCREATIONDATE, ZMODIFICATIONDATE, "
               "ZACTIONSDESCRIPTION) VALUES (1, 'Morning', 700000000.0, 700000500.5, "
               "'2 actions'), (2, 'Empty', 700000000.0, NULL, NULL);"
               "INSERT INTO ZSHORTCUTACTIONS (ZSHORTCUT, ZDATA) VALUES (1, " +
               hex(actions) + ");");
  auto iocs = test_iocs();
  auto run = run_module("shortcuts", b.root(), iocs.get());
  ASSERT_EQ(run.records.size(), 2u);
  const auto& r = run.records[0];
  EXPECT_EQ(r["shortcut_id"], 1);
  EXPECT_EQ(r["shortcut_name"], "Morning");
  EXPECT_EQ(r["description"], "2 actions");
  EXPECT_EQ(r["parsed_actions"], 2);
  EXPECT_EQ(r["action_urls"],
            modules::Json({"https://news.example.net/a", "https://dl.example.org/payload"}));
  EXPECT_EQ(r["isodate"], "2023-03-08 20:26:40.000000");
  EXPECT_EQ(r["modified_date"], "2023-03-08 20:35:00.500000");
  EXPECT_TRUE(run.records[1]["action_urls"].is_null());  // no action data: MVT's shape
  EXPECT_EQ(run.records[1]["parsed_actions"], 0);
  EXPECT_TRUE(run.records[1]["modified_date"].is_null());
  auto data = event_data(run);
  ASSERT_EQ(data.size(), 3u);
  EXPECT_EQ(data[0], "shortcut_created|iOS Shortcut 'Empty':  ");
  EXPECT_EQ(data[1],
            "shortcut_created|iOS Shortcut 'Morning': 2 actions - URLs in actions: "
            "https://news.example.net/a, https://dl.example.org/payload");
  EXPECT_EQ(data[2].substr(0, 18), "shortcut_modified|");
  ASSERT_EQ(run.alerts.size(), 1u);
  EXPECT_EQ(run.alerts[0].level, Level::critical);
  EXPECT_EQ(run.alerts[0].event["shortcut_name"], "Morning");
  EXPECT_EQ(run.alerts[0].matched_indicator["value"], "example.org");
}

TEST(Shortcuts, BrokenActionsAndSchema) {
  VIGIL_REQUIRE_SHARED();
  BackupCopy b;
  auto path = b.payload("5b4d0b44b5990f62b9f4d34ad8dc382bf0b01094");
  exec_sql(path, std::string(kShortcutsSchema) +
                     "INSERT INTO ZSHORTCUT (Z_PK, ZNAME) VALUES (1, 'Bad');"
                     "INSERT INTO ZSHORTCUTACTIONS (ZSHORTCUT, ZDATA) VALUES (1, "
                     "X'62706C6973743030FFFF');");
  auto run = run_module("shortcuts", b.root());
  ASSERT_EQ(run.records.size(), 1u);
  EXPECT_TRUE(run.records[0]["action_urls"].is_null());
  fs::remove(path);
  exec_sql(path, "CREATE TABLE ZOTHER (Z_PK INTEGER);");
  run = run_module("shortcuts", b.root());
  EXPECT_TRUE(run.records.empty());
  EXPECT_EQ(run.warnings.size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// The generator's planted hits, near-misses and heuristics for these modules (bench/README.md).

TEST(WebModules, GeneratorPlantedHits) {
  VIGIL_REQUIRE_SHARED();
  if (std::system("python3 -c 'import sqlite3, plistlib' > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "needs python3";
  std::vector<fs::path> ioc_files;
  for (const char* dir : {"iocs/amnestytech-investigations", "iocs/mvt-indicators"})
    for (const auto& e : fs::recursive_directory_iterator(shared_dir() / dir))
      if (e.path().extension() == ".stix2") ioc_files.push_back(e.path());
  std::sort(ioc_files.begin(), ioc_files.end());
  TempDir dir;
  std::string cmd = "python3 '" + (shared_dir() / "bench/make_ios_backup.py").string() + "' '" +
                    (dir.path() / "gen").string() + "' --scale 1000 --seed 11 --payloads none";
  for (const auto& f : ioc_files) cmd += " --iocs '" + f.string() + "'";
  cmd += " --truth '" + (dir.path() / "truth.json").string() + "' > /dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;

  auto set = std::make_unique<indicators::IndicatorSet>();
  for (const auto& f : ioc_files) {
    auto source = set->add_source(indicators::SourceFile{.path = f.string(), .origin = "cli"});
    EXPECT_FALSE(indicators::load_stix2(read_file(f), source, *set));
  }
  set->finalize();
  auto truth = modules::Json::parse(read_file(dir.path() / "truth.json"));

  const std::vector<std::string> slugs = {"safari_browser_state",
                                          "safari_history",
                                          "chrome_favicon",
                                          "chrome_history",
                                          "firefox_favicon",
                                          "firefox_history",
                                          "webkit_resource_load_statistics",
                                          "webkit_session_resource_log",
                                          "shortcuts"};
  std::map<std::string, ModuleRun> runs;
  for (const auto& slug : slugs) {
    runs[slug] = run_module(slug, dir.path() / "gen", set.get());
    EXPECT_TRUE(runs[slug].warnings.empty()) << slug;
    EXPECT_FALSE(runs[slug].records.empty()) << slug;
  }
  // An alert of the module whose event holds the value (as a whole JSON string).
  auto reported = [&](const std::string& module, const std::string& observed) {
    std::string needle = modules::Json(observed).dump();
    for (const auto& a : runs[module].alerts)
      if (a.event.dump().find(needle) != std::string::npos) return true;
    return false;
  };
  std::size_t hits = 0, near = 0, heuristics = 0;
  for (const auto& h : truth["hits"]) {
    if (!runs.count(h["module"])) continue;
    ++hits;
    EXPECT_TRUE(reported(h["module"], h["observed"])) << h.dump();
  }
  for (const auto& n : truth["near_misses"]) {
    if (!runs.count(n["module"])) continue;
    ++near;
    EXPECT_FALSE(reported(n["module"], n["observed"])) << n.dump();
  }
  for (const auto& x : truth["heuristics"]) {
    if (!runs.count(x["module"])) continue;
    ++heuristics;
    auto level = modules::level_from_string(x["mvt_level"].get<std::string>());
    bool found = false;
    for (const auto& a : runs[x["module"]].alerts)
      found =
          found || (a.level == level &&
                    a.event.dump().find(modules::Json(x["observed"]).dump()) != std::string::npos);
    EXPECT_TRUE(found) << x.dump();
  }
  EXPECT_GE(hits, 15u);
  EXPECT_GE(near, 10u);
  EXPECT_GE(heuristics, 2u);
  // No alert without a planted reason: every CRITICAL of these modules is a planted hit.
  std::size_t critical = 0;
  for (const auto& slug : slugs) critical += runs[slug].alerts_at(Level::critical);
  EXPECT_EQ(critical, hits);
}

}  // namespace
}  // namespace vigil::test
