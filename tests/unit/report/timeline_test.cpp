#include "report/timeline.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <tuple>

#include "core/text.hpp"
#include "core/time.hpp"
#include "report/writers.hpp"
#include "support/test_support.hpp"

namespace vigil::report {
namespace {

namespace fs = std::filesystem;
using modules::Json;
using modules::TimelineEvent;

struct Module {
  std::string slug, name;
};

// The timeline as it was first written: every event in memory, sorted, de-duplicated.
std::pair<std::string, std::string> reference(std::vector<TimelineEvent> events,
                                              const std::vector<Module>& modules) {
  auto key = [](const TimelineEvent& e) {
    return std::tie(e.timestamp, e.module, e.event, e.data);
  };
  std::sort(events.begin(), events.end(),
            [&](const auto& a, const auto& b) { return key(a) < key(b); });
  events.erase(std::unique(events.begin(), events.end()), events.end());
  std::string csv = "\"UTC Timestamp\",\"Plugin\",\"Event\",\"Description\"\r\n", jsonl;
  for (const auto& e : events) {
    std::string iso = core::format_iso(e.timestamp);
    for (std::string_view field :
         {std::string_view(iso), std::string_view(e.module), std::string_view(e.event)}) {
      append_csv_field(csv, field);
      csv += ',';
    }
    append_csv_field(csv, core::utf8_or_escaped(e.data));
    csv += "\r\n";
    std::string slug;
    for (const auto& m : modules)
      if (m.name == e.module) slug = m.slug;
    Json line;
    line["message"] = e.data;
    line["datetime"] = iso.substr(0, 10) + "T" + iso.substr(11) + "+00:00";
    line["timestamp"] = e.timestamp;
    line["timestamp_desc"] = e.event;
    line["data_type"] = "vigil:ios:" + slug;
    line["module"] = e.module;
    jsonl += line.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  }
  return {csv, jsonl};
}

// Events of three modules with ties on every key, exact duplicates (within and across buffers)
// and text that is not UTF-8, through buffers of `run_bytes`.
void check_merge(std::size_t run_bytes, std::size_t keep_bytes) {
  test::TempDir dir;
  const std::vector<Module> modules = {
      {"sms", "SMS"}, {"manifest", "Manifest"}, {"calls", "Calls"}};
  std::vector<TimelineEvent> all;
  std::mt19937 rng(11);
  Timeline timeline(dir.path(), run_bytes, keep_bytes);
  for (const auto& m : modules) {
    ModuleTimeline sink(timeline, m.slug, m.name);
    for (int i = 0; i < 3000; ++i) {
      TimelineEvent e{static_cast<core::Micros>(rng() % 50) * 1000000 - 5000000, m.name,
                      rng() % 2 ? "M--B" : "sms_received",
                      "path " + std::to_string(rng() % 40) + (rng() % 9 ? "" : " \"q\" \xff")};
      int copies = rng() % 10 == 0 ? 2 : 1;
      for (int c = 0; c < copies; ++c) {
        sink.add(e.timestamp, e.event, e.data);
        all.push_back(e);
      }
    }
    sink.close();
  }
  auto written = timeline.write(dir.path() / "timeline.csv", dir.path() / "timeline.jsonl");
  auto [csv, jsonl] = reference(all, modules);
  ASSERT_TRUE(written);
  EXPECT_EQ(*written, static_cast<std::size_t>(std::count(jsonl.begin(), jsonl.end(), '\n')));
  EXPECT_EQ(test::read_file(dir.path() / "timeline.csv"), csv);
  EXPECT_EQ(test::read_file(dir.path() / "timeline.jsonl"), jsonl);
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 2u) << "the spilled runs are removed";
}

TEST(Timeline, InMemoryMergeEqualsSortAndUnique) { check_merge(64u << 20, 64u << 20); }

TEST(Timeline, SpilledRunsMergeEqualsSortAndUnique) { check_merge(4096, 8192); }

// Hundreds of runs per module: merged down before the final merge, same result.
TEST(Timeline, ManyRunsMergeEqualsSortAndUnique) { check_merge(256, 0); }

TEST(Timeline, UnwritableOutputIsAFailure) {
  test::TempDir dir;
  Timeline timeline(dir.path() / "absent", 64, 0);
  ModuleTimeline sink(timeline, "sms", "SMS");
  for (int i = 0; i < 100; ++i) sink.add(i, "e", "spilled into a folder that does not exist");
  sink.close();
  EXPECT_FALSE(timeline.write(dir.path() / "absent/timeline.csv", dir.path() / "t.jsonl"));
}

TEST(Timeline, EmptyTimelineHasOnlyTheHeader) {
  test::TempDir dir;
  Timeline timeline(dir.path());
  EXPECT_EQ(timeline.write(dir.path() / "timeline.csv", dir.path() / "timeline.jsonl"), 0u);
  EXPECT_EQ(test::read_file(dir.path() / "timeline.csv"),
            "\"UTC Timestamp\",\"Plugin\",\"Event\",\"Description\"\r\n");
  EXPECT_EQ(test::read_file(dir.path() / "timeline.jsonl"), "");
}

}  // namespace
}  // namespace vigil::report
