// Issue 6 end to end: evidence integrity for every input type (a backup read in place, one whose
// databases have write-ahead logs, the indicator files), hostile inputs that must cost bounded
// time and memory and be one warning each, and MVT's bad-input history (docs/fuzzing.md lists
// each issue with the behaviour these tests pin down).
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/hash.hpp"
#include "e2e/run_vigil.hpp"
#include "support/test_support.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using vigil::test::evidence_state;
using vigil::test::read_file;
using vigil::test::run_vigil;
using vigil::test::TempDir;
using vigil::test::write_file;

fs::path sample_backup() { return vigil::test::source_dir() / "data/samples/ios-backup"; }
fs::path sample_iocs() { return vigil::test::source_dir() / "data/iocs/mvt-indicators/cellebrite"; }

// Payloads of the sample backup (fileID = SHA-1 of "domain-relativePath").
constexpr const char* kSms = "3d/3d0d7e5fb2ce288813306e4d4636395e047a3d28";
constexpr const char* kTcc = "64/64d0019cb3d46bfc8cce545a8ba54b93e7ea9347";
constexpr const char* kGlobalPreferences = "0d/0dc926a1810f7aee4e8f38793ed788701f93bf9d";
constexpr const char* kIdStatusCache = "6b/6b97989189901ceaa4e5be9b7f05fb584120e27b";
constexpr const char* kLocationdClients = "a6/a690d7769cce8904ca2b67320b107c8fe5f79412";

fs::path copy_sample(const TempDir& dir) {
  auto backup = dir.path() / "backup";
  fs::copy(sample_backup(), backup, fs::copy_options::recursive);
  for (const auto& e : fs::recursive_directory_iterator(backup))
    fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
  return backup;
}

std::string quote(const fs::path& path) { return "'" + path.string() + "'"; }

std::map<std::string, json> modules_of(const json& info) {
  std::map<std::string, json> out;
  for (const auto& m : info["modules"]) out[m["module"].get<std::string>()] = m;
  return out;
}

// Every JSON file vigil wrote parses (strictly: valid UTF-8 too), and the JSONL timeline too.
void expect_valid_json_outputs(const fs::path& out) {
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(out)) {
    auto name = e.path().filename().string();
    if (name.ends_with(".json")) {
      ++files;
      EXPECT_TRUE(json::accept(read_file(e.path()))) << name;
    } else if (name.ends_with(".jsonl")) {
      std::istringstream lines(read_file(e.path()));
      for (std::string line; std::getline(lines, line);) EXPECT_TRUE(json::accept(line)) << name;
    }
  }
  EXPECT_GT(files, 0u);
}

std::string be(std::uint64_t value, int bytes) {
  std::string out;
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((value >> (8 * i)) & 0xFF);
  return out;
}

// A binary plist of `objects` (1-byte references, 4-byte offsets), the first one the top.
std::string bplist(const std::vector<std::string>& objects) {
  std::string out = "bplist00", table;
  for (const auto& o : objects) {
    table += be(out.size(), 4);
    out += o;
  }
  std::uint64_t table_at = out.size();
  out += table + std::string(6, '\0') + '\x04' + '\x01';
  return out + be(objects.size(), 8) + be(0, 8) + be(table_at, 8);
}

std::string ascii(std::string_view s) {  // a binary plist ASCII string (under 256 bytes)
  if (s.size() < 15) return static_cast<char>(0x50 | s.size()) + std::string(s);
  return "\x5F\x10" + std::string(1, static_cast<char>(s.size())) + std::string(s);
}

// Points the right-most child of every interior table page at the page itself.
void make_page_chains_self_referencing(const fs::path& db) {
  std::string bytes = read_file(db);
  std::size_t page_size = (std::size_t(std::uint8_t(bytes[16])) << 8) | std::uint8_t(bytes[17]);
  if (page_size == 1) page_size = 65536;
  std::size_t changed = 0;
  for (std::size_t page = 1; page * page_size <= bytes.size(); ++page) {
    std::size_t header = (page - 1) * page_size + (page == 1 ? 100 : 0);
    if (bytes[header] != '\x05') continue;
    bytes.replace(header + 8, 4, be(page, 4));
    ++changed;
  }
  ASSERT_GT(changed, 0u) << db;
  write_file(db, bytes);
}

void sparse_file(const fs::path& path, std::int64_t size) {
  std::ofstream(path, std::ios::trunc).close();
  ASSERT_EQ(truncate(path.c_str(), size), 0);
}

// --- evidence integrity ------------------------------------------------------------------------

// The bundled sample read in place, and the indicator files given with --iocs: every file's
// bytes, every directory entry and mtime are identical afterwards, nothing new exists beside
// either, and info.json ties the report to the files read by their SHA-256.
TEST(EvidenceIntegrity, BackupReadInPlaceAndIndicatorFiles) {
  TempDir home;
  auto backup_before = evidence_state(sample_backup());
  auto iocs_before = evidence_state(sample_iocs());
  auto out = home.path() / "out";
  auto run = run_vigil("check-backup --no-bundled-iocs --iocs " + quote(sample_iocs()) + " -o " +
                           quote(out) + " " + quote(sample_backup()),
                       home.path());
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_EQ(evidence_state(sample_backup()), backup_before);
  EXPECT_EQ(evidence_state(sample_iocs()), iocs_before);
  (void)run_vigil("iocs check --no-bundled-iocs --iocs " + quote(sample_iocs()) + " example.com",
                  home.path());
  EXPECT_EQ(evidence_state(sample_iocs()), iocs_before);

  json info = json::parse(read_file(out / "info.json"));
  std::set<std::string> read;
  for (const auto& f : info["files_read"]) {
    read.insert(fs::relative(f["file_path"].get<std::string>(), sample_backup()).string());
    EXPECT_EQ(f["sha256"], vigil::core::sha256_file_hex(f["file_path"].get<std::string>()).value())
        << f["file_path"];
  }
  for (const char* expected :
       {"Manifest.db", "Manifest.plist", "Info.plist", kSms, kTcc, kGlobalPreferences})
    EXPECT_TRUE(read.count(expected)) << expected << " is not in files_read";
  for (const auto& f : info["ioc_files"]) EXPECT_EQ(f["sha256"].get<std::string>().size(), 64u);
}

// Databases with write-ahead logs (Manifest.db and sms.db hold rows only in their -wal): the WAL
// is applied in memory, never checkpointed, and no -shm or journal appears.
TEST(EvidenceIntegrity, DatabasesWithWriteAheadLogs) {
  TempDir evidence, home;  // apart: nothing may appear beside the evidence
  auto backup = copy_sample(evidence);
  for (const char* name : {"Manifest.db", kSms}) {
    auto db_path = backup / name;
    auto scratch = home.path() / "scratch.db";
    fs::copy_file(db_path, scratch, fs::copy_options::overwrite_existing);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(scratch.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;"
                           "CREATE TABLE vigil_probe(x); INSERT INTO vigil_probe VALUES(1);",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    fs::copy_file(scratch, db_path, fs::copy_options::overwrite_existing);
    fs::copy_file(scratch.string() + "-wal", db_path.string() + "-wal");
    sqlite3_close(db);
    fs::remove(scratch);
  }
  auto before = evidence_state(backup);
  auto out = home.path() / "out";
  auto run = run_vigil("check-backup --no-bundled-iocs -o " + quote(out) + " " + quote(backup),
                       home.path());
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_EQ(evidence_state(backup), before);
  json info = json::parse(read_file(out / "info.json"));
  EXPECT_GT(modules_of(info)["sms"]["records"].get<int>(), 0);
  std::set<std::string> read;
  for (const auto& f : info["files_read"])
    read.insert(fs::relative(f["file_path"].get<std::string>(), backup).string());
  EXPECT_TRUE(read.count("Manifest.db-wal"));
  EXPECT_TRUE(read.count(std::string(kSms) + "-wal"));
}

// --- resource limits -----------------------------------------------------------------------------

// A plist nested 100k deep, a 4 GB declared length in a 1 KB plist, an sms.db whose interior
// pages point at themselves, a 10 GB sparse -wal beside TCC.db and a 10 GB sparse plist: one
// warning each where the file is unusable, bounded time, and every other module still runs.
TEST(HostileBackup, ResourceLimitsAreOneWarningEachAndTheScanGoesOn) {
  TempDir home;
  auto backup = copy_sample(home);
  std::string deep = "<?xml version=\"1.0\"?><plist version=\"1.0\">";
  for (int i = 0; i < 100000; ++i) deep += "<array>";
  for (int i = 0; i < 100000; ++i) deep += "</array>";
  write_file(backup / kGlobalPreferences, deep + "</plist>");
  write_file(backup / kIdStatusCache,
             bplist({"\x4F\x13" + be(std::uint64_t{1} << 32, 8) + std::string(1000, 'A')}));
  make_page_chains_self_referencing(backup / kSms);
  sparse_file(backup / (std::string(kTcc) + "-wal"), std::int64_t{10} << 30);
  sparse_file(backup / kLocationdClients, std::int64_t{10} << 30);

  auto start = std::chrono::steady_clock::now();
  auto out = home.path() / "out";
  auto run = run_vigil("check-backup --no-bundled-iocs -o " + quote(out) + " " + quote(backup),
                       home.path());
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_LT(seconds, 240);
  json info = json::parse(read_file(out / "info.json"));
  auto modules = modules_of(info);
  auto warning = [&](const char* module) {
    const auto& w = modules[module]["warnings"];
    return w.size() == 1 ? w[0].get<std::string>() : "(" + std::to_string(w.size()) + " warnings)";
  };
  EXPECT_NE(warning("id_status_cache").find("binary plist"), std::string::npos);
  EXPECT_NE(warning("sms").find("malformed"), std::string::npos) << warning("sms");
  EXPECT_NE(warning("tcc").find("too large"), std::string::npos) << warning("tcc");
  EXPECT_NE(warning("locationd_clients").find("256 MiB"), std::string::npos)
      << warning("locationd_clients");
  for (const char* fine : {"manifest", "safari_history", "whatsapp", "datausage", "calls"})
    EXPECT_GT(modules[fine]["records"].get<int>(), 0) << fine;
  expect_valid_json_outputs(out);
}

// --- MVT's bad-input history
// -----------------------------------------------------------------------

// MVT #613: MVT "recovered" databases it thought malformed with `sqlite3 .recover`, once turning
// a valid one into a smaller one. vigil never rewrites or recovers: every row of a valid sms.db
// becomes a record, and no database is written anywhere.
TEST(MvtIssues, Issue613ValidDatabaseIsReadWholeNeverRecovered) {
  TempDir evidence, home;
  auto backup = copy_sample(evidence);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(("file:" + (backup / kSms).string() + "?immutable=1").c_str(), &db,
                            SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr),
            SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM message", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  int rows = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  auto before = evidence_state(backup);
  auto out = home.path() / "out";
  auto run = run_vigil(
      "check-backup --no-bundled-iocs -m sms -o " + quote(out) + " " + quote(backup), home.path());
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_EQ(evidence_state(backup), before);
  json info = json::parse(read_file(out / "info.json"));
  EXPECT_EQ(modules_of(info)["sms"]["records"].get<int>(), rows);
  EXPECT_TRUE(modules_of(info)["sms"]["warnings"].empty());
  for (const auto& e : fs::recursive_directory_iterator(home.path()))
    EXPECT_NE(e.path().extension(), ".db") << e.path();
}

// MVT #218: binary data (and strings that are not UTF-8) inside plists broke MVT's JSON output.
// vigil writes data as base64 and escapes invalid UTF-8: every output file stays valid JSON.
TEST(MvtIssues, Issue218BinaryPlistDataStaysValidJson) {
  TempDir home;
  auto backup = copy_sample(home);
  // Info.plist: {Device Name: <bytes FF FE 00 01>, Product Type: "iPhone\xff", Applications:
  // {com.x: {iTunesMetadata: <data>, PlaceholderIcon: <data>}}, Installed Applications: [com.x]}
  const std::string data = std::string("\x44\xFF\xFE\x00\x01", 5);
  write_file(backup / "Info.plist",
             bplist({"\xD4\x01\x02\x03\x04\x05\x06\x07\x08", ascii("Device Name"),
                     ascii("Product Type"), ascii("Applications"), ascii("Installed Applications"),
                     data, "\x57iPhone\xFF\x01", "\xD1\x09\x0A", "\xA1\x09", ascii("com.x"),
                     "\xD2\x0B\x0C\x05\x05", ascii("iTunesMetadata"), ascii("PlaceholderIcon")}));
  write_file(backup / kGlobalPreferences,
             bplist({"\xD2\x01\x02\x03\x04", ascii("Blob"), ascii("Name"), data,
                     std::string("\x54\x80\x00\x1B\xFF", 5)}));
  auto out = home.path() / "out";
  auto run = run_vigil("check-backup --no-bundled-iocs -o " + quote(out) + " " + quote(backup),
                       home.path());
  ASSERT_EQ(run.status, 0) << run.out;
  expect_valid_json_outputs(out);
  json info = json::parse(read_file(out / "info.json"));
  EXPECT_TRUE(modules_of(info)["backup_info"]["warnings"].empty());
}

// MVT #402, #462: a folder that is not a backup, or an encrypted backup given as a plain one (its
// Manifest.db is ciphertext), was a cascade of module errors in MVT. vigil says one sentence and
// stops (exit 3); for a ciphertext Manifest.db without its Manifest.plist it says so in one
// error, checks what Info.plist holds, and exits 3 with the Manifest module's warning only.
TEST(MvtIssues, Issue402And462NotABackupOrEncryptedIsOneSentence) {
  TempDir home;
  auto folder = home.path() / "photos";
  fs::create_directories(folder / "DCIM");
  write_file(folder / "DCIM/IMG_0001.JPG", "\xFF\xD8\xFF\xE0 not really a photo");
  auto run = run_vigil("check-backup " + quote(folder), home.path(), true);
  EXPECT_EQ(run.status, 3);
  EXPECT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), 1) << run.out;

  // An encrypted backup whose Manifest.plist was lost or replaced: Manifest.db is ciphertext.
  auto backup = copy_sample(home);
  fs::remove(backup / "Manifest.plist");
  std::string noise(64 * 1024, '\0');
  for (std::size_t i = 0; i < noise.size(); ++i)
    noise[i] = static_cast<char>((i * 2654435761u) >> 13);
  write_file(backup / "Manifest.db", noise);
  auto out = home.path() / "out";
  auto encrypted =
      run_vigil("check-backup -o " + quote(out) + " " + quote(backup), home.path(), true);
  EXPECT_EQ(encrypted.status, 3) << encrypted.out;
  std::size_t errors = 0;
  for (std::size_t at = encrypted.out.find("error"); at != std::string::npos;
       at = encrypted.out.find("error", at + 1))
    ++errors;
  EXPECT_EQ(errors, 1u) << encrypted.out;
  const std::string first_line = encrypted.out.substr(0, encrypted.out.find('\n'));
  EXPECT_NE(first_line.find("Manifest.db"), std::string::npos) << encrypted.out;
  EXPECT_NE(first_line.find("encrypted"), std::string::npos) << encrypted.out;
  json info = json::parse(read_file(out / "info.json"));
  // The Manifest module's own warning about Manifest.db, and no other.
  EXPECT_EQ(info["warnings"], 1) << "one error, not a cascade of module warnings";
  EXPECT_EQ(modules_of(info)["manifest"]["warnings"].size(), 1u);
  EXPECT_EQ(modules_of(info)["backup_info"]["records"], 1);
}

// A truncated Manifest.db: one warning from the Manifest module naming the damage, and the modules
// whose rows survive still run.
TEST(MvtIssues, TruncatedManifestDbIsOneWarning) {
  TempDir home;
  auto backup = copy_sample(home);
  fs::resize_file(backup / "Manifest.db", fs::file_size(backup / "Manifest.db") / 2);
  auto out = home.path() / "out";
  auto run = run_vigil("check-backup --no-bundled-iocs -o " + quote(out) + " " + quote(backup),
                       home.path());
  ASSERT_EQ(run.status, 0) << run.out;
  json info = json::parse(read_file(out / "info.json"));
  auto modules = modules_of(info);
  ASSERT_EQ(modules["manifest"]["warnings"].size(), 1u) << modules["manifest"];
  EXPECT_NE(modules["manifest"]["warnings"][0].get<std::string>().find("Manifest.db"),
            std::string::npos);
  EXPECT_LE(info["warnings"].get<int>(), 2) << "one warning, not a cascade";
  expect_valid_json_outputs(out);
}

// A backup missing half its payload files (an interrupted copy): each module whose file is gone
// names it under not_present (or, where it found the file listed in Manifest.db, in a warning
// naming its ID); the others run as before.
TEST(MvtIssues, BackupMissingHalfItsPayloads) {
  TempDir home;
  auto backup = copy_sample(home);
  std::vector<fs::path> payloads;
  for (const auto& e : fs::recursive_directory_iterator(backup))
    if (e.is_regular_file() && e.path().parent_path() != backup) payloads.push_back(e.path());
  std::sort(payloads.begin(), payloads.end());
  std::set<std::string> removed;
  for (std::size_t i = 0; i < payloads.size(); i += 2) {
    removed.insert(payloads[i].filename().string());
    fs::remove(payloads[i]);
  }
  auto out = home.path() / "out";
  auto run = run_vigil("check-backup --no-bundled-iocs -o " + quote(out) + " " + quote(backup),
                       home.path());
  ASSERT_EQ(run.status, 0) << run.out;
  json info = json::parse(read_file(out / "info.json"));
  auto modules = modules_of(info);
  std::size_t with_records = 0, not_present = 0;
  for (const auto& [name, m] : modules) {
    with_records += m["records"].get<int>() > 0;
    not_present += !m["not_present"].empty();
    // A module that finds the file listed (profiles, WebKit logs) warns, naming the missing ID.
    for (const auto& w : m["warnings"]) {
      std::string text = w.get<std::string>();
      EXPECT_TRUE(std::any_of(removed.begin(), removed.end(),
                              [&](const std::string& id) { return text.find(id) != text.npos; }))
          << name << ": " << text;
    }
  }
  EXPECT_GE(with_records, 5u);
  EXPECT_GE(not_present, 5u);
  expect_valid_json_outputs(out);
}

}  // namespace
