// `vigil check-backup` end to end on MVT's real test backup: output files, determinism, exit
// statuses, and the evidence left exactly as it was.
#include <gtest/gtest.h>

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
  auto before = vigil::test::tree_digest(mvt_backup());
  auto out = home.path() / "out";
  auto run = run_vigil(
      "check-backup " + test_iocs() + " -o '" + out.string() + "' '" + mvt_backup().string() + "'",
      home.path());
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_EQ(vigil::test::tree_digest(mvt_backup()), before) << "the evidence changed";

  json info = json::parse(vigil::test::read_file(out / "info.json"));
  EXPECT_EQ(info["output_schema_version"], "1.0");
  EXPECT_EQ(info["target_path"], fs::canonical(mvt_backup()).string());
  std::map<std::string, json> modules;
  for (const auto& m : info["modules"]) modules[m["module"].get<std::string>()] = m;
  EXPECT_EQ(modules["manifest"]["records"], 3721);
  EXPECT_EQ(modules["manifest"]["timeline_events"], 5881);
  EXPECT_EQ(modules["tcc"]["records"], 11);
  EXPECT_EQ(modules["tcc"]["alerts"], 1);
  EXPECT_EQ(modules["global_preferences"]["records"], 16);
  EXPECT_EQ(modules["backup_info"]["records"], 1);

  for (const char* file :
       {"alerts.json", "alerts_timeline.csv", "backup_info.json", "command.log",
        "global_preferences.json", "global_preferences_detected.json", "info.json", "manifest.json",
        "tcc.json", "tcc_detected.json", "timeline.csv", "timeline.jsonl"})
    EXPECT_TRUE(fs::exists(out / file)) << file;
  json manifest = json::parse(vigil::test::read_file(out / "manifest.json"));
  EXPECT_EQ(manifest.size(), 3721u);
  json alerts = json::parse(vigil::test::read_file(out / "alerts.json"));
  std::size_t critical = 0;
  for (const auto& a : alerts) critical += a["level"] == "CRITICAL";
  EXPECT_GE(critical, 1u);
  EXPECT_EQ(lines(out / "timeline.csv") - 1, lines(out / "timeline.jsonl"));
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
    if (first.empty()) {
      first = digest;
    } else {
      EXPECT_EQ(digest, first);
    }
  }
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
  auto run = run_vigil("check-backup '" + encrypted.string() + "'", home.path(), true);
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
