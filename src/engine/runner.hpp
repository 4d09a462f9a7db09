// Runs the selected modules over an acquisition, in parallel, each guarded so that one failing
// module never stops the others, and returns their outcomes in module order.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "indicators/indicator_set.hpp"
#include "report/timeline.hpp"
#include "report/writers.hpp"
#include "vfs/ios_backup.hpp"

namespace vigil::engine {

/// What the modules are doing, for a progress display.
struct Progress {
  std::size_t done = 0;   ///< modules finished
  std::size_t total = 0;  ///< modules selected
  /// The modules running now (slug) and the records each has emitted so far.
  std::vector<std::pair<std::string_view, std::size_t>> running;
};

struct RunOptions {
  std::optional<std::filesystem::path> output;  ///< where `<slug>.json` and URL files go
  report::Timeline* timeline = nullptr;         ///< receives the events (null: only counted)
  std::vector<std::string> modules;             ///< only these slugs (empty: all)
  unsigned jobs = 0;                            ///< 0: one per core
  /// Called (serialised, from the engine's threads) when a module starts or finishes and about
  /// every 200 ms in between.
  std::function<void(const Progress&)> progress;
};

std::vector<report::ModuleOutcome> run_backup(const vfs::IosBackup& backup,
                                              const indicators::IndicatorSet* iocs,
                                              const RunOptions& options);

}  // namespace vigil::engine
