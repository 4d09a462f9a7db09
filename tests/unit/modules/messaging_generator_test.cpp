// The messaging modules on a backup from the shared benchmark generator
// (../shared/bench/make_ios_backup.py, small scale, every real IOC file): every planted hit of
// SMS, SMSAttachments and Whatsapp is reported by an alert of that module whose record holds the
// observed value and names the indicator, no near miss is, and each planted heuristic fires.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include "indicators/stix2_loader.hpp"
#include "unit/modules/messaging_fixture.hpp"

namespace vigil::test {
namespace {

constexpr std::string_view kModules[] = {"sms", "sms_attachments", "whatsapp", "whatsapp_contacts",
                                         "interaction_c"};

TEST(MessagingGenerator, PlantedHitsFoundAndNoNearMisses) {
  VIGIL_REQUIRE_SHARED();
  if (std::system("python3 -c 'import sqlite3' > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "needs python3 for the generator";
  std::vector<std::filesystem::path> stix;
  for (std::string_view dir : {"iocs/amnestytech-investigations", "iocs/mvt-indicators"})
    for (const auto& e : std::filesystem::recursive_directory_iterator(shared_dir() / dir))
      if (e.path().extension() == ".stix2") stix.push_back(e.path());
  std::sort(stix.begin(), stix.end());
  ASSERT_FALSE(stix.empty());

  TempDir dir;
  auto backup = dir.path() / "gen";
  auto truth_path = dir.path() / "truth.json";
  std::string cmd = "python3 '" + (shared_dir() / "bench/make_ios_backup.py").string() + "' '" +
                    backup.string() + "' --scale 1000 --seed 7 --payloads none --truth '" +
                    truth_path.string() + "'";
  for (const auto& f : stix) cmd += " --iocs '" + f.string() + "'";
  ASSERT_EQ(std::system((cmd + " > /dev/null 2>&1").c_str()), 0) << cmd;

  indicators::IndicatorSet iocs;
  for (const auto& f : stix) {
    auto source = iocs.add_source(indicators::SourceFile{.path = f.string(), .origin = "cli"});
    EXPECT_FALSE(indicators::load_stix2(read_file(f), source, iocs)) << f;
  }
  iocs.finalize();

  // Each module's alerts as (level, dumped event, has indicator).
  struct Seen {
    modules::Level level;
    std::string event;
    bool indicator;
  };
  std::map<std::string, std::vector<Seen>, std::less<>> alerts;
  for (auto slug : kModules) {
    auto run = run_module(slug, backup, &iocs);
    EXPECT_TRUE(run.warnings.empty()) << slug << ": " << run.warnings.front();
    for (const auto& a : run.alerts)
      alerts[std::string(slug)].push_back(
          Seen{a.level, a.event.dump(), !a.matched_indicator.is_null()});
  }
  auto truth = Json::parse(read_file(truth_path));
  auto mine = [](const Json& item) {
    auto m = item["module"].get<std::string>();
    return std::find(std::begin(kModules), std::end(kModules), m) != std::end(kModules);
  };
  std::size_t hits = 0, near = 0, heuristics = 0;
  for (const auto& hit : truth["hits"]) {
    if (!mine(hit)) continue;
    ++hits;
    std::string observed = Json(hit["observed"]).dump();  // as a whole JSON string
    bool found = false;
    for (const auto& a : alerts[hit["module"].get<std::string>()])
      found = found || (a.indicator && a.event.find(observed) != std::string::npos);
    EXPECT_TRUE(found) << hit.dump();
  }
  for (const auto& miss : truth["near_misses"]) {
    if (!mine(miss)) continue;
    ++near;
    std::string observed = miss["observed"].get<std::string>();
    for (const auto& a : alerts[miss["module"].get<std::string>()])
      EXPECT_EQ(a.event.find(observed), std::string::npos) << miss.dump();
  }
  for (const auto& h : truth["heuristics"]) {
    if (!mine(h)) continue;
    ++heuristics;
    auto level = modules::level_from_string(h["mvt_level"].get<std::string>());
    std::string observed = h["observed"].get<std::string>();
    bool found = false;
    for (const auto& a : alerts[h["module"].get<std::string>()])
      found = found || (a.level == level && a.event.find(observed) != std::string::npos);
    EXPECT_TRUE(found) << h.dump();
  }
  EXPECT_GE(hits, 15u);
  EXPECT_GE(near, 7u);
  EXPECT_EQ(heuristics, 2u);
}

}  // namespace
}  // namespace vigil::test
