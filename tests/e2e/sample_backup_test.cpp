// The bundled sample backup (data/samples, made by the benchmark generator) against its truth
// file: every planted hit found, no near-miss reported, every heuristic raised, and no alert that
// the truth file does not explain. Runs without ../shared.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "e2e/run_vigil.hpp"
#include "support/test_support.hpp"

namespace {

using nlohmann::json;
using vigil::test::run_vigil;
using vigil::test::TempDir;

struct ScoredAlert {
  json alert;
  std::string event;  // the event as JSON text, searched for observed values
  bool used = false;
};

std::string quoted(const json& value) { return value.dump(); }

TEST(SampleBackup, EveryPlantedHitNoNearMissNoUnexplainedAlert) {
  TempDir home;
  auto samples = vigil::test::source_dir() / "data/samples";
  auto out = home.path() / "out";
  auto run = run_vigil(
      "check-backup -o '" + out.string() + "' '" + (samples / "ios-backup").string() + "'",
      home.path());
  ASSERT_EQ(run.status, 0) << run.out;
  json truth = json::parse(vigil::test::read_file(samples / "ios-backup.truth.json"));
  std::vector<ScoredAlert> alerts;
  for (auto& a : json::parse(vigil::test::read_file(out / "alerts.json")))
    alerts.push_back({a, a["event"].dump(), false});

  for (const auto& hit : truth["hits"]) {
    std::string needle = quoted(hit["observed"]);
    bool found = false;
    for (auto& a : alerts) {
      if (a.alert["module"] != hit["module"] || a.alert["matched_indicator"].is_null()) continue;
      if (a.event.find(needle) == std::string::npos) continue;
      a.used = found = true;
    }
    EXPECT_TRUE(found) << "hit " << hit["id"] << " in " << hit["module"] << ": " << hit["observed"];
  }
  for (const auto& miss : truth["near_misses"]) {
    std::string needle = quoted(miss["observed"]);
    for (const auto& a : alerts)
      EXPECT_FALSE(a.alert["module"] == miss["module"] && !a.alert["matched_indicator"].is_null() &&
                   a.event.find(needle) != std::string::npos)
          << "near-miss " << miss["id"] << " reported: " << a.alert["message"];
  }
  for (const auto& h : truth["heuristics"]) {
    std::string level = h["mvt_level"].get<std::string>();
    level = level.substr(0, level.find(' '));
    std::string observed =
        h["observed"].is_string() ? h["observed"].get<std::string>() : h["observed"].dump();
    std::size_t got = 0;
    for (auto& a : alerts) {
      if (a.alert["module"] != h["module"] || a.alert["level"] != level) continue;
      bool match =
          h["kind"] == "missing-process-ids"
              ? a.alert["message"].get<std::string>().starts_with("Missing process")
              : a.event.find(quoted(h["observed"])) != std::string::npos ||
                    a.event.find(observed) != std::string::npos ||
                    a.alert["message"].get<std::string>().find(observed) != std::string::npos;
      if (match) {
        a.used = true;
        ++got;
      }
    }
    if (h["kind"] == "missing-process-ids")
      EXPECT_EQ(got, std::stoul(observed)) << "heuristic " << h["id"];
    else
      EXPECT_GT(got, 0u) << "heuristic " << h["id"] << " (" << h["kind"] << ") not raised";
  }
  for (const auto& a : alerts) EXPECT_TRUE(a.used) << "unexplained alert: " << a.alert["message"];
}

}  // namespace
