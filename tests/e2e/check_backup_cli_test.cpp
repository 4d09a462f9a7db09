// `vigil check-backup` end to end on MVT's real test backup: output files, determinism, exit
// statuses, and the evidence left exactly as it was.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <array>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "e2e/run_vigil.hpp"
#include "support/test_support.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using vigil::test::run_vigil;
using vigil::test::TempDir;

fs::path mvt_backup() { return vigil::test::shared_dir() / "corpus/mvt-tests/ios_backup"; }
std::string test_iocs() {
  return "--no-bundled-iocs --iocs '" +
         (vigil::test::shared_dir() / "corpus/mvt-tests/stix2/mvt-test-generated.stix2").string() +
         "'";
}

std::size_t lines(const fs::path& path) {
  std::ifstream in(path);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

TEST(CheckBackupCli, MvtBackupOutputsAndEvidenceUntouched) {
  VIGIL_REQUIRE_SHARED();
  TempDir home;
  auto before = vigil::test::evidence_state(mvt_backup());
  auto out = home.path() / "out";
  auto run = run_vigil(
      "check-backup " + test_iocs() + " -o '" + out.string() + "' '" + mvt_backup().string() + "'",
      home.path());
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_EQ(vigil::test::evidence_state(mvt_backup()), before) << "the evidence changed";

  json info = json::parse(vigil::test::read_file(out / "info.json"));
  EXPECT_EQ(info["output_schema_version"], "1.2");
  ASSERT_EQ(info["ioc_files"].size(), 1u);
  EXPECT_EQ(info["ioc_files"][0]["date"], "2024-01-01");
  EXPECT_EQ(info["target_path"], fs::canonical(mvt_backup()).string());
  std::map<std::string, json> modules;
  for (const auto& m : info["modules"]) modules[m["module"].get<std::string>()] = m;
  ASSERT_EQ(modules.size(), 28u);
  // MVT's end-to-end figures on this backup (spec §8.6): records, timeline events, alerts.
  const std::map<std::string, std::array<int, 3>> oracle = {
      {"backup_info", {1, 0, 0}},
      {"manifest", {3721, 5881, 0}},
      {"datausage", {42, 60, 1}},
      {"safari_browser_state", {1, 1, 0}},
      {"tcc", {11, 11, 1}},
      {"sms", {1, 2, 1}},
      {"webkit_resource_load_statistics", {2, 2, 0}},
      {"whatsapp", {6, 9, 1}},
      {"whatsapp_contacts", {2, 5, 0}},
      {"interaction_c", {3, 6, 0}},
      {"calendar", {1, 4, 0}},
      {"global_preferences", {16, 0, 1}}};
  for (const auto& [name, m] : modules) {
    auto it = oracle.find(name);
    std::array<int, 3> want = it == oracle.end() ? std::array<int, 3>{0, 0, 0} : it->second;
    EXPECT_EQ(m["records"], want[0]) << name;
    EXPECT_EQ(m["timeline_events"], want[1]) << name;
    EXPECT_EQ(m["alerts"], want[2]) << name;
  }
  EXPECT_EQ(lines(out / "timeline.csv") - 1, 5981u);
  EXPECT_EQ(lines(out / "timeline.csv") - 1, lines(out / "timeline.jsonl"));
  EXPECT_EQ(lines(out / "alerts_timeline.csv") - 1, 1u)
      << "only the LOW Datausage alert has a time";
  json urls = json::parse(vigil::test::read_file(out / "urls.json"));
  ASSERT_EQ(urls.size(), 2u);
  EXPECT_EQ(urls[0]["url"], "https://badbadbad.example.org/");
  EXPECT_EQ(urls[0]["source"], "sms");
  EXPECT_EQ(urls[1]["url"], "https://example.org/news");
  EXPECT_EQ(urls[1]["timestamp"], "2025-08-28 18:53:20.000000");
  json alerts = json::parse(vigil::test::read_file(out / "alerts.json"));
  std::map<std::string, int> levels;
  for (const auto& a : alerts) ++levels[a["level"].get<std::string>()];
  EXPECT_EQ(levels,
            (std::map<std::string, int>{{"CRITICAL", 3}, {"INFORMATIONAL", 1}, {"LOW", 1}}));
  json manifest = json::parse(vigil::test::read_file(out / "manifest.json"));
  EXPECT_EQ(manifest.size(), 3721u);

  std::set<std::string> written;
  for (const auto& e : fs::directory_iterator(out)) written.insert(e.path().filename().string());
  EXPECT_EQ(written, (std::set<std::string>{"alerts.json",
                                            "alerts_timeline.csv",
                                            "backup_info.json",
                                            "calendar.json",
                                            "command.log",
                                            "datausage.json",
                                            "datausage_detected.json",
                                            "global_preferences.json",
                                            "global_preferences_detected.json",
                                            "info.json",
                                            "interaction_c.json",
                                            "manifest.json",
                                            "report.html",
                                            "safari_browser_state.json",
                                            "sms.json",
                                            "sms_detected.json",
                                            "tcc.json",
                                            "tcc_detected.json",
                                            "timeline.csv",
                                            "timeline.jsonl",
                                            "urls.json",
                                            "webkit_resource_load_statistics.json",
                                            "whatsapp.json",
                                            "whatsapp_contacts.json",
                                            "whatsapp_detected.json"}))
      << "MVT's list of files (§8.6) plus timeline.jsonl";
}

// Broken evidence, made from the real files: a truncated sms.db, a TCC.db with overwritten pages,
// a DataUsage.sqlite without its ZPROCESS table, a malformed .GlobalPreferences.plist. Each is a
// warning naming the module and file; every other module still runs.
TEST(CheckBackupCli, BrokenArtifactsAreWarningsAndTheRestRuns) {
  VIGIL_REQUIRE_SHARED();
  TempDir home;
  auto backup = home.path() / "backup";
  fs::copy(mvt_backup(), backup, fs::copy_options::recursive);
  for (const auto& e : fs::recursive_directory_iterator(backup))
    fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
  auto sms = backup / "3d/3d0d7e5fb2ce288813306e4d4636395e047a3d28";
  fs::resize_file(sms, fs::file_size(sms) / 3);
  auto tcc = backup / "64/64d0019cb3d46bfc8cce545a8ba54b93e7ea9347";
  std::string bytes = vigil::test::read_file(tcc);
  for (std::size_t i = 4096; i < bytes.size(); ++i) bytes[i] = static_cast<char>(bytes[i] ^ 0x5A);
  vigil::test::write_file(tcc, bytes);
  auto datausage = backup / "0d/0d609c54856a9bb2d56729df1d68f2958a88426b";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(datausage.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DROP TABLE ZPROCESS", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  vigil::test::write_file(backup / "0d/0dc926a1810f7aee4e8f38793ed788701f93bf9d",
                          "bplist00 broken");

  auto out = home.path() / "out";
  auto run = run_vigil(
      "check-backup " + test_iocs() + " -o '" + out.string() + "' '" + backup.string() + "'",
      home.path());
  ASSERT_EQ(run.status, 0) << run.out;
  json info = json::parse(vigil::test::read_file(out / "info.json"));
  std::map<std::string, json> modules;
  for (const auto& m : info["modules"]) modules[m["module"].get<std::string>()] = m;
  for (const char* broken : {"sms", "tcc", "datausage", "global_preferences"}) {
    ASSERT_FALSE(modules[broken]["warnings"].empty()) << broken;
    EXPECT_TRUE(modules[broken]["not_present"].empty()) << broken;
  }
  EXPECT_NE(modules["global_preferences"]["warnings"][0].get<std::string>().find(
                ".GlobalPreferences.plist"),
            std::string::npos);
  EXPECT_GE(info["warnings"].get<int>(), 4);
  EXPECT_EQ(modules["manifest"]["records"], 3721) << "the other modules still ran";
  EXPECT_EQ(modules["whatsapp"]["records"], 6);
  EXPECT_EQ(modules["whatsapp"]["alerts"], 1);
}

TEST(CheckBackupCli, OutputIsByteIdenticalAcrossRuns) {
  VIGIL_REQUIRE_SHARED();
  TempDir home;
  std::map<std::string, std::string> first;
  for (const char* name : {"a", "b"}) {
    auto out = home.path() / name;
    auto run = run_vigil("check-backup -j 2 " + test_iocs() + " -o '" + out.string() + "' '" +
                             mvt_backup().string() + "'",
                         home.path());
    ASSERT_EQ(run.status, 0);
    auto digest = vigil::test::tree_digest(out);
    digest.erase("info.json");
    digest.erase("command.log");
    digest.erase("report.html");  // embeds info.json's run times
    if (first.empty()) {
      first = digest;
    } else {
      EXPECT_EQ(digest, first);
    }
  }
}

// check-backup writes report.html from the timeline merge; `vigil report` rebuilds it from
// timeline.jsonl and the other files. Both must hold the same data.
json report_data(const fs::path& page_path) {
  std::string page = vigil::test::read_file(page_path);
  const std::string open = "<script type=\"application/json\" id=\"vigil-data\">";
  auto begin = page.find(open);
  EXPECT_NE(begin, std::string::npos);
  begin += open.size();
  return json::parse(page.substr(begin, page.find("</script>", begin) - begin));
}

TEST(CheckBackupCli, ReportFromTheCheckEqualsTheReportRebuiltFromItsFiles) {
  VIGIL_REQUIRE_SHARED();
  TempDir home;
  auto out = home.path() / "out";
  auto run = run_vigil(
      "check-backup " + test_iocs() + " -o '" + out.string() + "' '" + mvt_backup().string() + "'",
      home.path());
  ASSERT_EQ(run.status, 0) << run.out;
  json from_check = report_data(out / "report.html");
  ASSERT_EQ(run_vigil("report '" + out.string() + "'", home.path()).status, 0);
  json rebuilt = report_data(out / "report.html");
  EXPECT_EQ(from_check["timeline"]["total"], 5981);
  EXPECT_EQ(from_check["timeline"]["d"].size(), 5981u);
  EXPECT_EQ(from_check["alerts"].size(), 5u);
  EXPECT_EQ(from_check, rebuilt);
}

TEST(CheckBackupCli, FindsTheOnlyBackupInAMobileSyncFolder) {
  VIGIL_REQUIRE_SHARED();
  TempDir home;
  auto parent = home.path() / "MobileSync/Backup";
  fs::create_directories(parent);
  fs::copy(mvt_backup(), parent / "device-id", fs::copy_options::recursive);
  auto run = run_vigil("check-backup --no-bundled-iocs -m backup_info '" + parent.string() + "'",
                       home.path(), true);
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_NE(run.out.find("found a backup in the subfolder"), std::string::npos) << run.out;
  fs::copy(mvt_backup(), parent / "other-device", fs::copy_options::recursive);
  auto two =
      run_vigil("check-backup --no-bundled-iocs '" + parent.string() + "'", home.path(), true);
  EXPECT_EQ(two.status, 3);
  EXPECT_NE(two.out.find("holds 2 backups"), std::string::npos) << two.out;
}

TEST(CheckBackupCli, RefusesWhatIsNotABackup) {
  TempDir home;
  fs::create_directories(home.path() / "empty");
  auto run =
      run_vigil("check-backup '" + (home.path() / "empty").string() + "'", home.path(), true);
  EXPECT_EQ(run.status, 3);
  EXPECT_NE(run.out.find("does not look like an iTunes/Finder backup"), std::string::npos)
      << run.out;
  EXPECT_EQ(
      run_vigil("check-backup '" + (home.path() / "missing").string() + "'", home.path()).status,
      3);
}

TEST(CheckBackupCli, EncryptedBackupSaysHowToProceed) {
  VIGIL_REQUIRE_SHARED();
  TempDir home;
  fs::path encrypted;
  for (const auto& e : fs::recursive_directory_iterator(vigil::test::shared_dir() /
                                                        "corpus/ios-encrypted-generated"))
    if (e.path().filename() == "Manifest.plist") encrypted = e.path().parent_path();
  ASSERT_FALSE(encrypted.empty());
  auto run = run_vigil("check-backup '" + encrypted.string() + "' </dev/null", home.path(), true);
  EXPECT_EQ(run.status, 6);
  EXPECT_NE(run.out.find("is an encrypted backup"), std::string::npos) << run.out;
}

TEST(CheckBackupCli, FailOnAndOutputInsideEvidence) {
  VIGIL_REQUIRE_SHARED();
  TempDir home;
  auto backup = home.path() / "backup";
  fs::copy(mvt_backup(), backup, fs::copy_options::recursive);
  EXPECT_EQ(run_vigil("check-backup " + test_iocs() + " -m tcc --fail-on critical '" +
                          backup.string() + "'",
                      home.path())
                .status,
            1);
  EXPECT_EQ(run_vigil("check-backup " + test_iocs() + " -m backup_info --fail-on critical '" +
                          backup.string() + "'",
                      home.path())
                .status,
            0);
  EXPECT_EQ(
      run_vigil("check-backup -o '" + (backup / "out").string() + "' '" + backup.string() + "'",
                home.path())
          .status,
      2);
  EXPECT_FALSE(fs::exists(backup / "out"));
  EXPECT_EQ(
      run_vigil("check-backup -m no_such_module '" + backup.string() + "'", home.path()).status, 2);
}

}  // namespace
