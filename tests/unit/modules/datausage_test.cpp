// Datausage on MVT's real DataUsage.sqlite (spec §8.3, §8.6; MVT's own output in
// corpus/mvt-reference-output) and on built fixtures: newer schema without ZWIFIIN/ZWIFIOUT,
// deleted process rows ("manipulated"), Z_PK gaps ("missing"), "<process>/<bundle>" names.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "core/time.hpp"
#include "unit/modules/module_harness.hpp"
#include "unit/modules/system_fixture.hpp"

namespace vigil::test {
namespace {

using modules::Level;
using system::make_db;

constexpr std::string_view kDomain = "WirelessDomain";
constexpr std::string_view kPath = "Library/Databases/DataUsage.sqlite";
constexpr std::string_view kFitness = "1FB47783-A2FE-47D9-B256-DF50EF44BBA4/com.apple.Fitness";

TEST(Datausage, MvtBackup) {
  VIGIL_REQUIRE_SHARED();
  auto run = run_module("datausage", mvt_backup());
  ASSERT_EQ(run.records.size(), 42u) << "41 extracted + 1 MISSING placeholder";
  EXPECT_EQ(run.events.size(), 60u);
  EXPECT_EQ(system::unique_events(run.events), 60u);
  EXPECT_TRUE(run.warnings.empty());
  EXPECT_EQ(run.records[0]["isodate"].get<std::string>().substr(0, 19), "2019-08-27 15:08:09");

  ASSERT_EQ(run.alerts.size(), 1u);
  const auto& a = run.alerts[0];
  EXPECT_EQ(a.level, Level::low);
  EXPECT_EQ(a.message, "Missing process 5. Previous process at \"2019-08-27 15:08:09.253102\" (" +
                           std::string(kFitness) + ")");
  ASSERT_TRUE(a.event_time);
  EXPECT_EQ(core::format_iso(*a.event_time), "2019-08-27 15:08:09.253102");
  EXPECT_EQ(a.event["proc_id"], 4);
  EXPECT_EQ(a.event["proc_name"], kFitness);
  EXPECT_TRUE(a.matched_indicator.is_null());

  // The placeholder follows the Fitness record, as MVT's sort puts it.
  std::size_t fitness = 0;
  while (fitness < run.records.size() && run.records[fitness]["proc_id"] != 4) ++fitness;
  ASSERT_LT(fitness + 1, run.records.size());
  const auto& missing = run.records[fitness + 1];
  EXPECT_EQ(missing["proc_name"], "MISSING [follows " + std::string(kFitness) + "]");
  EXPECT_EQ(missing["proc_id"], 5);
  EXPECT_EQ(missing["live_proc_id"], 5);
  EXPECT_TRUE(missing["bundle_id"].is_null());
  EXPECT_EQ(missing["first_isodate"], "2019-08-27 15:08:09.253102");
  EXPECT_EQ(missing["live_isodate"], "2019-08-27 15:08:09.253102");
}

TEST(Datausage, MvtBackupMatchesMvtOutput) {
  VIGIL_REQUIRE_SHARED();
  auto ref_dir = shared_dir() / "corpus/mvt-reference-output/ios_backup";
  auto reference = modules::Json::parse(read_file(ref_dir / "datausage.json"));
  auto run = run_module("datausage", mvt_backup());
  ASSERT_EQ(run.records.size(), reference.size());
  for (std::size_t i = 0; i < reference.size(); ++i)
    EXPECT_EQ(run.records[i], reference[i]) << "record " << i;

  // Timeline rows of MVT's timeline.csv for this module (a multiset: equal times are unordered).
  std::multiset<std::string> expected, got;
  std::ifstream csv(ref_dir / "timeline.csv");
  for (std::string line; std::getline(csv, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find("\",\"Datausage\",\"") != std::string::npos) expected.insert(line);
  }
  for (const auto& e : run.events)
    got.insert("\"" + core::format_iso(e.timestamp) + "\",\"Datausage\",\"" + e.event + "\",\"" +
               e.data + "\"");
  EXPECT_EQ(got, expected);
}

TEST(Datausage, ProcessIndicatorRaisesCritical) {
  VIGIL_REQUIRE_SHARED();
  auto iocs = test_iocs({{indicators::IocType::process, "CumulativeUsageTracker"}});
  auto run = run_module("datausage", mvt_backup(), iocs.get());
  EXPECT_EQ(run.records.size(), 42u);
  ASSERT_EQ(run.alerts_at(Level::critical), 2u);
  EXPECT_EQ(run.alerts_at(Level::low), 1u);
  std::set<int> live_ids;
  for (const auto& a : run.alerts) {
    if (a.level != Level::critical) continue;
    EXPECT_EQ(a.message,
              "Found a known suspicious process name \"CumulativeUsageTracker\" matching "
              "indicators from \"TestMalware\"");
    EXPECT_EQ(a.event["proc_id"], 32);
    EXPECT_FALSE(a.event.contains("matched_indicator"));
    EXPECT_EQ(a.matched_indicator["value"], "CumulativeUsageTracker");
    ASSERT_TRUE(a.event_time);
    EXPECT_EQ(core::format_iso(*a.event_time), "2019-08-29 23:07:42.744511");
    live_ids.insert(a.event["live_id"].get<int>());
  }
  EXPECT_EQ(live_ids, (std::set<int>{1, 10}));
}

TEST(Datausage, NearMissProcessNames) {
  VIGIL_REQUIRE_SHARED();
  // A suffixed name, a 15-character prefix and a bundle ID are not the process.
  auto iocs = test_iocs({{indicators::IocType::process, "CumulativeUsageTrackerd"},
                         {indicators::IocType::process, "mDNSResponde"},
                         {indicators::IocType::process, "IMRemoteURLConn"}});
  auto run = run_module("datausage", mvt_backup(), iocs.get());
  EXPECT_EQ(run.alerts_at(Level::critical), 0u);
}

// Newer schema (no ZWIFIIN/ZWIFIOUT), usage samples of a deleted process (9) and with no
// process at all, Z_PK gaps 4–5, and "<process>/<bundle>" names.
std::string fixture_sql() {
  return "CREATE TABLE ZPROCESS ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, "
         "ZFIRSTTIMESTAMP TIMESTAMP, ZTIMESTAMP TIMESTAMP, ZBUNDLENAME VARCHAR, ZPROCNAME VARCHAR "
         ");"
         "CREATE TABLE ZLIVEUSAGE ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, "
         "ZKIND INTEGER, ZMETADATA INTEGER, ZTAG INTEGER, ZHASPROCESS INTEGER, ZBILLCYCLEEND "
         "TIMESTAMP, ZTIMESTAMP TIMESTAMP, ZWWANIN FLOAT, ZWWANOUT FLOAT );"
         "INSERT INTO ZPROCESS VALUES (1, 7, 1, 600000000.0, 600000100.0, 'com.good.app', "
         "'abcd/com.good.app');"
         "INSERT INTO ZPROCESS VALUES (2, 7, 1, 600000200.0, 600000300.0, 'com.apple.foo', "
         "'evilproc/com.apple.foo');"
         "INSERT INTO ZPROCESS VALUES (3, 7, 1, 600000400.0, 600000500.0, NULL, 'evilprocd');"
         "INSERT INTO ZPROCESS VALUES (6, 7, 1, 600000600.0, 600000700.0, NULL, "
         "'verylongprocessn');"
         "INSERT INTO ZPROCESS VALUES (7, 7, 1, 600000050.0, 600000060.0, NULL, 'plain');"
         "INSERT INTO ZLIVEUSAGE VALUES (1, 5, 1, 0, 0, 1, 1, NULL, 600001000.0, 10.0, 20.0);"
         "INSERT INTO ZLIVEUSAGE VALUES (2, 5, 1, 0, 0, 1, 9, NULL, 600002000.0, 1.0, 2.0);"
         "INSERT INTO ZLIVEUSAGE VALUES (3, 5, 1, 0, 0, 1, 9, NULL, 600003000.0, 3.0, 4.0);"
         "INSERT INTO ZLIVEUSAGE VALUES (4, 5, 1, 0, 0, 1, 2, NULL, 600004000.0, 5.0, 6.0);"
         "INSERT INTO ZLIVEUSAGE VALUES (5, 5, 1, 0, 0, 1, NULL, NULL, 600005000.0, 7.0, 8.0);";
}

TEST(Datausage, ManipulatedMissingAndProcessPart) {
  VIGIL_REQUIRE_SHARED();
  TempDir dir;
  auto backup = system::copy_backup(dir);
  make_db(backup, kDomain, kPath, fixture_sql());
  auto iocs = test_iocs({{indicators::IocType::process, "evilproc"},
                         {indicators::IocType::process, "verylongprocessname"}});
  auto run = run_module("datausage", backup, iocs.get());
  EXPECT_TRUE(run.warnings.empty());
  // 5 samples + 3 processes without samples (kept despite the NULL ZHASPROCESS, which makes
  // MVT's NOT IN drop them) + 2 placeholders.
  ASSERT_EQ(run.records.size(), 10u);
  std::vector<std::string> names;
  for (const auto& r : run.records) names.push_back(r["proc_name"].get<std::string>());
  const std::string manipulated = "MANIPULATED [process record deleted]";
  EXPECT_EQ(names, (std::vector<std::string>{"abcd/com.good.app", "plain", "evilproc/com.apple.foo",
                                             "evilprocd", "MISSING [follows evilprocd]",
                                             "MISSING [follows evilprocd]", "verylongprocessn",
                                             manipulated, manipulated, manipulated}));
  EXPECT_EQ(run.records[4]["proc_id"], 4);
  EXPECT_EQ(run.records[5]["proc_id"], 5);
  for (const auto& r : run.records) {
    EXPECT_TRUE(r["wifi_in"].is_null());
    EXPECT_TRUE(r["wifi_out"].is_null());
  }
  const auto& deleted = run.records[7];
  EXPECT_TRUE(deleted["proc_id"].is_null());
  EXPECT_EQ(deleted["live_proc_id"], 9);
  EXPECT_EQ(deleted["first_isodate"], deleted["live_isodate"]);
  EXPECT_EQ(deleted["isodate"], deleted["live_isodate"]);
  EXPECT_EQ(deleted["wwan_in"], 1.0);

  std::vector<std::string> high, low, critical;
  for (const auto& a : run.alerts) {
    if (a.level == Level::high) high.push_back(a.message);
    if (a.level == Level::low) low.push_back(a.message);
    if (a.level == Level::critical) critical.push_back(a.message);
  }
  std::string at = core::format_iso(*core::from_cocoa(600002000.0));
  std::string null_at = core::format_iso(*core::from_cocoa(600005000.0));
  EXPECT_EQ(high, (std::vector<std::string>{
                      "Found manipulated process entry 9. Entry on " + at,
                      "Found manipulated process entry 9/", "Found manipulated process entry 9/",
                      "Found manipulated process entry None. Entry on " + null_at,
                      "Found manipulated process entry None/"}));
  std::string prev = core::format_iso(*core::from_cocoa(600000400.0));
  EXPECT_EQ(low, (std::vector<std::string>{
                     "Missing process 4. Previous process at \"" + prev + "\" (evilprocd)",
                     "Missing process 5. Previous process at \"" + prev + "\" (evilprocd)"}));
  EXPECT_EQ(critical,
            (std::vector<std::string>{
                "Found a known suspicious process name \"evilproc\" matching indicators from "
                "\"TestMalware\"",
                "Found a truncated known suspicious process name \"verylongprocessn\" matching "
                "indicators from \"TestMalware\""}));
  for (const auto& a : run.alerts) {
    if (a.level == Level::critical) {
      EXPECT_FALSE(a.event["proc_id"].is_null());
    }
  }

  // Timeline: first/current usage only for processes with samples, once per process.
  std::size_t first = 0, live = 0;
  for (const auto& e : run.events) {
    first += e.event == "first_usage";
    live += e.event == "live_usage";
  }
  EXPECT_EQ(first, 2u);
  EXPECT_EQ(live, 10u);
  for (const auto& e : run.events) {
    if (e.event == "live_usage" && e.data.starts_with("abcd/")) {
      EXPECT_EQ(e.data,
                "abcd/com.good.app (Bundle ID: com.good.app, ID: 1) WWAN IN: 10.0, "
                "WWAN OUT: 20.0");
    }
  }
}

TEST(Datausage, HugeIdGapIsBounded) {
  VIGIL_REQUIRE_SHARED();
  TempDir dir;
  auto backup = system::copy_backup(dir);
  make_db(backup, kDomain, kPath,
          "CREATE TABLE ZPROCESS ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, "
          "ZFIRSTTIMESTAMP TIMESTAMP, ZTIMESTAMP TIMESTAMP, ZBUNDLENAME VARCHAR, ZPROCNAME "
          "VARCHAR );"
          "CREATE TABLE ZLIVEUSAGE ( Z_PK INTEGER PRIMARY KEY, ZHASPROCESS INTEGER, ZTIMESTAMP "
          "TIMESTAMP, ZWWANIN FLOAT, ZWWANOUT FLOAT );"
          "INSERT INTO ZPROCESS VALUES (-9223372036854775807, 7, 1, 1.0, 2.0, NULL, 'a');"
          "INSERT INTO ZPROCESS VALUES (9223372036854775807, 7, 1, 3.0, 4.0, NULL, 'b');");
  auto run = run_module("datausage", backup);
  EXPECT_EQ(run.alerts_at(Level::low), 10000u);
  EXPECT_EQ(run.records.size(), 10002u);
  ASSERT_EQ(run.warnings.size(), 1u);
  EXPECT_NE(run.warnings[0].find("not reported one by one"), std::string::npos);
}

TEST(Datausage, UnknownSchemaAndCorruptFileWarn) {
  VIGIL_REQUIRE_SHARED();
  TempDir dir;
  auto backup = system::copy_backup(dir);
  make_db(backup, kDomain, kPath, "CREATE TABLE ZPROCESS (Z_PK INTEGER PRIMARY KEY);");
  auto run = run_module("datausage", backup);
  EXPECT_TRUE(run.records.empty());
  ASSERT_EQ(run.warnings.size(), 1u);
  EXPECT_NE(run.warnings[0].find("schema not recognised"), std::string::npos);

  // A truncated database: a warning, no crash.
  auto path = system::payload(backup, kDomain, kPath);
  std::string bytes = read_file(mvt_backup() / "0d/0d609c54856a9bb2d56729df1d68f2958a88426b");
  write_file(path, bytes.substr(0, 5000));
  run = run_module("datausage", backup);
  EXPECT_FALSE(run.warnings.empty());

  std::filesystem::remove(path);
  run = run_module("datausage", backup);
  EXPECT_TRUE(run.records.empty());
  EXPECT_TRUE(run.warnings.empty());
  EXPECT_EQ(run.missing.size(), 1u);
}

}  // namespace
}  // namespace vigil::test
