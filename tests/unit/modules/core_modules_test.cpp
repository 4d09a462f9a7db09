// BackupInfo, Manifest, TCC and GlobalPreferences on MVT's real test backup (spec §8.3, §8.6).
#include <gtest/gtest.h>

#include "unit/modules/module_harness.hpp"

namespace vigil::test {
namespace {

using modules::Level;

TEST(BackupInfo, MvtBackup) {
  VIGIL_REQUIRE_SHARED();
  auto run = run_module("backup_info", mvt_backup());
  ASSERT_EQ(run.records.size(), 1u);
  const auto& r = run.records[0];
  EXPECT_EQ(r.size(), 18u);
  EXPECT_EQ(r["Build Version"], "18C66");
  EXPECT_EQ(r["IMEI"], "42");
  EXPECT_EQ(r["Product Type"], "iPhone9,3");
  EXPECT_EQ(r["Last Backup Date"], "2021-12-03 19:33:13.000000");
  EXPECT_TRUE(r["MEID"].is_null());
}

TEST(Manifest, MvtBackupRecordsAndTimeline) {
  VIGIL_REQUIRE_SHARED();
  auto run = run_module("manifest", mvt_backup());
  EXPECT_EQ(run.records.size(), 3721u);
  EXPECT_EQ(run.events.size(), 5881u);
  EXPECT_TRUE(run.alerts.empty());
  EXPECT_TRUE(run.warnings.empty());
  std::size_t dirs = 0, files = 0, links = 0;
  for (const auto& r : run.records) {
    int flags = r["flags"].get<int>();
    dirs += flags == 2;
    files += flags == 1;
    links += flags == 4;
  }
  EXPECT_EQ(files, 1089u);
  EXPECT_EQ(dirs, 2618u);
  EXPECT_EQ(links, 14u);
  std::size_t earliest = 0;
  for (const auto& e : run.events) earliest += e.timestamp == 315532800000000 && e.event == "---B";
  EXPECT_GT(earliest, 0u) << "1980-01-01 birth times, as MVT shows them";
}

TEST(Manifest, FileNameIndicatorRaisesHigh) {
  VIGIL_REQUIRE_SHARED();
  auto iocs = test_iocs({{indicators::IocType::file_name, "com.apple.CoreBrightness.plist"}});
  auto run = run_module("manifest", mvt_backup(), iocs.get());
  ASSERT_EQ(run.alerts.size(), 1u);
  EXPECT_EQ(run.alerts[0].level, Level::high);
}

TEST(Tcc, MvtBackup) {
  VIGIL_REQUIRE_SHARED();
  auto run = run_module("tcc", mvt_backup());
  ASSERT_EQ(run.records.size(), 11u);
  EXPECT_EQ(run.events.size(), 11u);
  EXPECT_TRUE(run.alerts.empty());
  EXPECT_EQ(run.records[0]["service"], "kTCCServiceUbiquity");
  EXPECT_EQ(run.records[0]["client"], "com.apple.Preferences");
  EXPECT_EQ(run.records[0]["auth_value"], "allowed");
  const auto& last = run.records.back();
  EXPECT_EQ(last["service"], "kTCCServiceLiverpool");
  EXPECT_EQ(last["client"], "Launch");
  EXPECT_EQ(last["auth_reason_desc"], "service_policy");
  EXPECT_EQ(last["last_modified"], "2021-12-03 19:32:03.000000");
}

TEST(Tcc, ProcessIndicatorRaisesCritical) {
  VIGIL_REQUIRE_SHARED();
  auto iocs = test_iocs();
  auto run = run_module("tcc", mvt_backup(), iocs.get());
  ASSERT_EQ(run.alerts.size(), 1u);
  EXPECT_EQ(run.alerts[0].level, Level::critical);
  EXPECT_EQ(run.alerts[0].event["service"], "kTCCServiceLiverpool");
  EXPECT_EQ(run.alerts[0].event["client"], "Launch");
  EXPECT_EQ(
      run.alerts[0].message,
      "Found a known suspicious process name \"Launch\" matching indicators from \"TestMalware\"");
  EXPECT_EQ(run.alerts[0].matched_indicator["value"], "Launch");
}

TEST(GlobalPreferences, MvtBackupLockdownMode) {
  VIGIL_REQUIRE_SHARED();
  auto run = run_module("global_preferences", mvt_backup());
  ASSERT_EQ(run.records.size(), 16u);
  EXPECT_TRUE(run.events.empty());
  EXPECT_EQ(run.records[0]["entry"], "WebKitShowLinkPreviews");
  EXPECT_EQ(run.records[0]["value"], false);
  ASSERT_EQ(run.alerts.size(), 1u);
  EXPECT_EQ(run.alerts[0].message, "Lockdown mode enabled");
  EXPECT_EQ(run.alerts[0].level, Level::informational);
}

}  // namespace
}  // namespace vigil::test
