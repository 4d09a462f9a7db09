// Indicator loading and lookup speed. Inputs: every STIX2 file under ../shared/iocs (the published
// feeds) and hostnames/URLs generated deterministically from them: ~10% hits (subdomains of IOC
// domains), the rest near-misses and ordinary hosts.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "indicators/sources.hpp"

namespace {

namespace fs = std::filesystem;
using namespace vigil::indicators;

std::vector<std::string> shared_stix2_files() {
  std::vector<std::string> files;
  fs::path root = fs::path(VIGIL_SHARED_DIR) / "iocs";
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    auto ext = it->path().extension().string();
    bool stix = ext == ".stix2" ||
                (ext == ".json" && it->path().string().find("cisco-talos") != std::string::npos);
    if (it->is_regular_file() && stix) files.push_back(it->path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

IndicatorSet load_all(const std::vector<std::string>& files) {
  IocOptions options;
  options.paths = files;
  options.bundled = options.user_folder = options.environment = false;
  LoadReport report;
  return load_indicators(options, report);
}

void BM_LoadSharedFeeds(benchmark::State& state) {
  auto files = shared_stix2_files();
  if (files.empty()) {
    state.SkipWithError("../shared/iocs is absent");
    return;
  }
  std::size_t indicators = 0;
  for (auto _ : state) {
    auto set = load_all(files);
    indicators = set.size();
    benchmark::DoNotOptimize(set);
  }
  state.counters["files"] = static_cast<double>(files.size());
  state.counters["indicators"] = static_cast<double>(indicators);
}
BENCHMARK(BM_LoadSharedFeeds)->Unit(benchmark::kMillisecond);

void BM_LoadBundledSnapshot(benchmark::State& state) {
  for (auto _ : state) {
    IocOptions options;
    options.user_folder = options.environment = false;
    LoadReport report;
    auto set = load_indicators(options, report);
    benchmark::DoNotOptimize(set);
  }
}
BENCHMARK(BM_LoadBundledSnapshot)->Unit(benchmark::kMillisecond);

struct Workload {
  IndicatorSet set;
  std::vector<std::string> hosts;
  std::vector<std::string> urls;
};

const Workload& workload() {
  static const Workload w = [] {
    Workload out;
    out.set = load_all(shared_stix2_files());
    std::vector<std::string> domains;
    for (const auto& i : out.set.indicators())
      if (i.type == IocType::domain) domains.push_back(i.value);
    std::mt19937_64 rng(42);
    const char* ordinary[] = {
        "www.google.com",   "graph.facebook.com",  "api.whatsapp.net", "gateway.icloud.com",
        "cdn.jsdelivr.net", "static.xx.fbcdn.net", "mesu.apple.com",   "e673.dsce9.akamaiedge.net",
        "news.bbc.co.uk",   "clients4.google.com"};
    for (int i = 0; i < 100000 && !domains.empty(); ++i) {
      const std::string& ioc = domains[rng() % domains.size()];
      std::string host;
      switch (rng() % 10) {
        case 0:
          host = "cdn" + std::to_string(i % 97) + "." + ioc;
          break;  // hit
        case 1:
          host = "not" + ioc;
          break;  // near miss
        case 2:
          host = ioc + ".example.net";
          break;  // near miss
        default:
          host = ordinary[rng() % 10];
          host = "x" + std::to_string(i % 1000) + "." + host;
      }
      out.hosts.push_back(host);
      out.urls.push_back("https://" + host + "/path/" + std::to_string(i) +
                         "?q=" + std::to_string(rng() % 1000));
    }
    return out;
  }();
  return w;
}

void BM_DomainLookup(benchmark::State& state) {
  const Workload& w = workload();
  if (w.hosts.empty()) {
    state.SkipWithError("../shared/iocs is absent");
    return;
  }
  std::size_t i = 0, hits = 0;
  for (auto _ : state) {
    hits += w.set.find_domain(w.hosts[i]) != nullptr;
    if (++i == w.hosts.size()) i = 0;
  }
  benchmark::DoNotOptimize(hits);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DomainLookup);

void BM_UrlLookup(benchmark::State& state) {
  const Workload& w = workload();
  if (w.urls.empty()) {
    state.SkipWithError("../shared/iocs is absent");
    return;
  }
  std::size_t i = 0, hits = 0;
  for (auto _ : state) {
    hits += !w.set.match_url(w.urls[i]).matches.empty();
    if (++i == w.urls.size()) i = 0;
  }
  benchmark::DoNotOptimize(hits);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_UrlLookup);

void BM_TextScan(benchmark::State& state) {
  const Workload& w = workload();
  if (w.urls.empty()) {
    state.SkipWithError("../shared/iocs is absent");
    return;
  }
  std::string message = "Hi! Your parcel is waiting, confirm at " + w.urls[3] +
                        " within 24h or reply STOP. Details: www.example.com/info.";
  for (auto _ : state) benchmark::DoNotOptimize(w.set.match_text(message));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(message.size()));
}
BENCHMARK(BM_TextScan);

}  // namespace

BENCHMARK_MAIN();
