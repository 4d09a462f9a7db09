// Runs one module directly on a backup and captures everything it produced: records (as JSON),
// timeline events, alerts, URLs, warnings. Indicators: MVT's generated test file plus extra
// values a test adds (as MVT's tests append to their collections).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "indicators/sources.hpp"
#include "indicators/stix2_loader.hpp"
#include "modules/module.hpp"
#include "support/test_support.hpp"

namespace vigil::test {

struct ModuleRun {
  std::vector<modules::Json> records;
  std::vector<modules::TimelineEvent> events;
  std::vector<modules::Alert> alerts;
  std::vector<modules::UrlResult> urls;
  std::vector<std::string> warnings;
  std::vector<std::string> missing;

  [[nodiscard]] std::size_t alerts_at(modules::Level level) const {
    std::size_t n = 0;
    for (const auto& a : alerts) n += a.level == level;
    return n;
  }
};

class CapturingSink final : public modules::RecordSink {
 public:
  explicit CapturingSink(std::vector<modules::Json>& out) : out_(out) {}
  void write(const modules::Json& record) override { out_.push_back(record); }
  void write_text(std::string_view record) override {
    auto tree = modules::Json::parse(record, nullptr, false);
    EXPECT_FALSE(tree.is_discarded()) << record;
    out_.push_back(std::move(tree));
  }

 private:
  std::vector<modules::Json>& out_;
};

class CapturingUrls final : public modules::UrlSink {
 public:
  explicit CapturingUrls(std::vector<modules::UrlResult>& out) : out_(out) {}
  void add(const modules::UrlResult& url) override { out_.push_back(url); }

 private:
  std::vector<modules::UrlResult>& out_;
};

class CapturingTimeline final : public modules::TimelineSink {
 public:
  CapturingTimeline(std::string_view module, std::vector<modules::TimelineEvent>& out)
      : module_(module), out_(out) {}
  void add(modules::Micros when, std::string_view event, std::string_view data) override {
    out_.push_back(modules::TimelineEvent{when, module_, std::string(event), std::string(data)});
  }

 private:
  std::string module_;
  std::vector<modules::TimelineEvent>& out_;
};

inline std::filesystem::path mvt_backup() { return shared_dir() / "corpus/mvt-tests/ios_backup"; }

/// MVT's generated test indicators (spec §8.1) plus `extra` (type, value) pairs.
inline std::unique_ptr<indicators::IndicatorSet> test_iocs(
    std::vector<std::pair<indicators::IocType, std::string>> extra = {}) {
  auto set = std::make_unique<indicators::IndicatorSet>();
  auto path = shared_dir() / "corpus/mvt-tests/stix2/mvt-test-generated.stix2";
  auto source = set->add_source(indicators::SourceFile{.path = path.string(), .origin = "cli"});
  std::string bytes = read_file(path);
  EXPECT_FALSE(indicators::load_stix2(bytes, source, *set));
  for (const auto& [type, value] : extra)
    set->add(type, value,
             {indicators::Attribution{source, indicators::AttributionKind::malware, "TestMalware",
                                      "indicator--extra"}});
  set->finalize();
  return set;
}

inline ModuleRun run_module(std::string_view slug, const std::filesystem::path& backup_path,
                            const indicators::IndicatorSet* iocs = nullptr) {
  ModuleRun run;
  std::string error, note;
  auto backup = vfs::IosBackup::open(backup_path, error, note);
  EXPECT_TRUE(backup) << error;
  if (!backup) return run;
  for (const auto* spec : modules::backup_modules()) {
    if (spec->slug != slug) continue;
    CapturingSink sink(run.records);
    CapturingTimeline timeline(spec->name, run.events);
    CapturingUrls urls(run.urls);
    // As the engine does: the module's Manifest patterns are answered in one pass, and a
    // find_path_like call with a pattern it does not declare is a test failure.
    backup->expect_path_patterns({spec->manifest_patterns.begin(), spec->manifest_patterns.end()});
    modules::ModuleContext ctx(std::string(spec->slug), *backup, iocs, {&sink, &timeline, &urls});
    spec->run(ctx);
    EXPECT_EQ(backup->like_queries(), 0u)
        << slug << " looked files up with a LIKE pattern that ModuleSpec::manifest_patterns "
        << "does not declare";
    run.alerts = std::move(ctx.alerts);
    run.warnings = std::move(ctx.warnings);
    run.missing = std::move(ctx.missing);
    return run;
  }
  ADD_FAILURE() << "no module " << slug;
  return run;
}

}  // namespace vigil::test
