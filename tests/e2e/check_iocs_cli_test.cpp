// `vigil check-iocs`: the stored output of a check, matched again against new indicators, gives
// the alerts a direct check gives; MVT's output folder gives the indicator alerts MVT gave.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <tuple>

#include "e2e/run_vigil.hpp"
#include "support/test_support.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using vigil::test::run_vigil;
using vigil::test::TempDir;

using AlertKey = std::tuple<std::string, std::string, std::string, std::string, std::string>;

// Alerts as a sorted list of (module, level, message, event_time, indicator), repeats kept.
std::vector<AlertKey> alert_keys(const fs::path& alerts_json, bool indicators_only = false) {
  std::vector<AlertKey> out;
  if (!fs::exists(alerts_json)) return out;
  for (const auto& a : json::parse(vigil::test::read_file(alerts_json))) {
    const auto& mi = a["matched_indicator"];
    if (indicators_only && mi.is_null()) continue;
    out.emplace_back(a["module"].get<std::string>(), a["level"].get<std::string>(),
                     a["message"].get<std::string>(),
                     indicators_only ? "" : a["event_time"].get<std::string>(),
                     mi.is_null() ? "" : mi["value"].get<std::string>());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string mvt_iocs() {
  return "--no-bundled-iocs --iocs '" +
         (vigil::test::shared_dir() / "corpus/mvt-tests/stix2/mvt-test-generated.stix2").string() +
         "'";
}

// Checks `backup` directly with `iocs`, and without indicators then check-iocs with `iocs`.
void expect_same_alerts(const fs::path& backup, const std::string& iocs) {
  TempDir home;
  auto direct = home.path() / "direct", bare = home.path() / "bare", again = home.path() / "again";
  auto run =
      run_vigil("check-backup " + iocs + " -o '" + direct.string() + "' '" + backup.string() + "'",
                home.path());
  ASSERT_LE(run.status, 1) << run.out;
  run = run_vigil(
      "check-backup --no-bundled-iocs -o '" + bare.string() + "' '" + backup.string() + "'",
      home.path());
  ASSERT_LE(run.status, 1) << run.out;
  auto before = vigil::test::tree_digest(bare);
  run = run_vigil("check-iocs " + iocs + " -o '" + again.string() + "' '" + bare.string() + "'",
                  home.path(), true);
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_EQ(vigil::test::tree_digest(bare), before) << "check-iocs modified its input";

  auto want = alert_keys(direct / "alerts.json"), got = alert_keys(again / "alerts.json");
  EXPECT_FALSE(want.empty());
  EXPECT_EQ(got, want);
  EXPECT_EQ(vigil::test::read_file(again / "timeline.csv"),
            vigil::test::read_file(direct / "timeline.csv"));
  EXPECT_EQ(vigil::test::read_file(again / "alerts_timeline.csv"),
            vigil::test::read_file(direct / "alerts_timeline.csv"));
  EXPECT_TRUE(fs::exists(again / "report.html"));
  json info = json::parse(vigil::test::read_file(again / "info.json"));
  EXPECT_EQ(info["command"], "check-iocs");
  EXPECT_EQ(info["ioc_files"].size(),
            json::parse(vigil::test::read_file(direct / "info.json"))["ioc_files"].size());
}

TEST(CheckIocsCli, SampleBackupStoredOutputGivesTheDirectAlerts) {
  // Every module's planted hit, against the bundled snapshot.
  expect_same_alerts(vigil::test::source_dir() / "data/samples/ios-backup", "");
}

TEST(CheckIocsCli, MvtBackupStoredOutputGivesTheDirectAlerts) {
  VIGIL_REQUIRE_SHARED();
  expect_same_alerts(vigil::test::shared_dir() / "corpus/mvt-tests/ios_backup", mvt_iocs());
}

TEST(CheckIocsCli, MvtOutputFolderGivesMvtsIndicatorAlerts) {
  VIGIL_REQUIRE_SHARED();
  TempDir home;
  auto mvt = vigil::test::shared_dir() / "corpus/mvt-reference-output/ios_backup";
  auto out = home.path() / "out";
  auto before = vigil::test::tree_digest(mvt);
  auto run =
      run_vigil("check-iocs " + mvt_iocs() + " -o '" + out.string() + "' '" + mvt.string() + "'",
                home.path(), true);
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_EQ(vigil::test::tree_digest(mvt), before);
  auto got = alert_keys(out / "alerts.json", true), want = alert_keys(mvt / "alerts.json", true);
  ASSERT_EQ(want.size(), 3u);
  EXPECT_EQ(got, want);
  // MVT's heuristic alerts are carried over; its timeline becomes vigil's two timeline files.
  EXPECT_EQ(alert_keys(out / "alerts.json").size(), alert_keys(mvt / "alerts.json").size());
  EXPECT_TRUE(fs::exists(out / "timeline.jsonl"));
  EXPECT_TRUE(fs::exists(out / "report.html"));
  json info = json::parse(vigil::test::read_file(out / "info.json"));
  EXPECT_EQ(info["source_tool"], "mvt 2026.7.29");
}

TEST(CheckIocsCli, RefusesAnOutputInsideItsInput) {
  TempDir home;
  vigil::test::write_file(home.path() / "old/info.json", "{\"vigil_version\": \"0.1.0\"}");
  auto run = run_vigil("check-iocs --no-bundled-iocs -o '" + (home.path() / "old/new").string() +
                           "' '" + (home.path() / "old").string() + "'",
                       home.path());
  EXPECT_EQ(run.status, 2);
  EXPECT_FALSE(fs::exists(home.path() / "old/new"));
}

}  // namespace
