// Speed of the per-record output path of a check: serialising a record (vigil's writer against
// nlohmann's dump), reading Manifest.db's MBFile blobs (in place against the full tree), and the
// timeline's sort, spill and merge. Inputs are built here (a record shaped like an sms.db row)
// or taken from fuzz/corpus (a generated MBFile blob).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/json_out.hpp"
#include "core/plist.hpp"
#include "report/timeline.hpp"

namespace {

namespace fs = std::filesystem;
using vigil::core::Json;

// ~80 members: integers, nulls, short and long text, a base64 blob, an array: an SMS record.
Json sms_like_record() {
  Json r = Json::object();
  std::mt19937_64 rng(7);
  for (int i = 0; i < 60; ++i) {
    std::string key = "column_" + std::to_string(i);
    switch (i % 4) {
      case 0:
        r[key] = static_cast<std::int64_t>(rng() % 1000000);
        break;
      case 1:
        r[key] = nullptr;
        break;
      case 2:
        r[key] = "659497F4-803A-42EB-95A9-" + std::to_string(rng());
        break;
      default:
        r[key] = static_cast<std::int64_t>(rng() % 2);
    }
  }
  r["text"] =
      "Model rescue pepper door badge shape logic prairie horse ocean. Ünïcödé \"quoted\"\n";
  r["attributedBody"] = std::string(180, 'A');
  r["date"] = 666853079.700876;
  r["isodate"] = "2022-02-18 04:57:59.700876";
  r["links"] = Json::array({"https://example.com/a", "www.example.org"});
  return r;
}

void BM_RecordDumpNlohmann(benchmark::State& state) {
  const Json record = sms_like_record();
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string text = record.dump(-1, ' ', false, Json::error_handler_t::replace);
    bytes += text.size();
    benchmark::DoNotOptimize(text);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_RecordDumpNlohmann);

void BM_RecordAppendJson(benchmark::State& state) {
  const Json record = sms_like_record();
  std::string out;
  std::size_t bytes = 0;
  for (auto _ : state) {
    out.clear();
    vigil::core::append_json(out, record);
    bytes += out.size();
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_RecordAppendJson);

std::string mbfile_blob() {
  std::ifstream in(fs::path(VIGIL_SOURCE_DIR) / "fuzz/corpus/plist_fields/generated_file.mbfile",
                   std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return std::move(bytes).str();
}

constexpr std::string_view kMbfileKeys[] = {"Birth", "LastModified", "LastStatusChange",
                                            "Mode",  "UserID",       "Size"};

void BM_MbfileTree(benchmark::State& state) {
  const std::string blob = mbfile_blob();
  for (auto _ : state) {
    std::string error;
    auto plist = vigil::core::Plist::parse(blob, error);
    auto file = plist->root()["$objects"].at(1);
    for (auto key : kMbfileKeys) benchmark::DoNotOptimize(file[key].integer());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MbfileTree);

void BM_MbfileInPlace(benchmark::State& state) {
  const std::string blob = mbfile_blob();
  std::array<vigil::core::PlistNode, std::size(kMbfileKeys)> values;
  for (auto _ : state) {
    benchmark::DoNotOptimize(vigil::core::read_archived_scalars(blob, 1, kMbfileKeys, values));
    benchmark::DoNotOptimize(values);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MbfileInPlace);

// state.range(0) events of about 100 bytes, random times, through one module's buffer (1 MiB
// runs: several spilled files) into timeline.csv and timeline.jsonl.
void BM_TimelineSpillAndMerge(benchmark::State& state) {
  std::mt19937_64 rng(1);
  std::vector<std::pair<std::int64_t, std::string>> events;
  for (std::int64_t i = 0; i < state.range(0); ++i)
    events.emplace_back(
        static_cast<std::int64_t>(rng() % 1'000'000'000'000'000),
        "Library/Caches/com.apple.example/fsCachedData/" + std::to_string(rng()) + " - HomeDomain");
  fs::path dir = fs::temp_directory_path() / ("vigil-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  for (auto _ : state) {
    vigil::report::Timeline timeline(dir, 1u << 20, 1u << 20);
    vigil::report::ModuleTimeline sink(timeline, "manifest", "Manifest");
    for (const auto& [when, data] : events) sink.add(when, "M--B", data);
    sink.close();
    benchmark::DoNotOptimize(timeline.write(dir / "timeline.csv", dir / "timeline.jsonl"));
  }
  fs::remove_all(dir);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_TimelineSpillAndMerge)->Arg(200'000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
