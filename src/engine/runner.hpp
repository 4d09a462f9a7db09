// Runs the selected modules over an acquisition, in parallel, each guarded so that one failing
// module never stops the others, and returns their outcomes in module order.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "indicators/indicator_set.hpp"
#include "report/timeline.hpp"
#include "report/writers.hpp"
#include "vfs/ios_backup.hpp"

namespace vigil::engine {

struct RunOptions {
  std::optional<std::filesystem::path> output;  ///< `<slug>.json` and URL files (urls.json) go
  report::Timeline* timeline = nullptr;         ///< receives the events (null: only counted)
  std::vector<std::string> modules;             ///< only these slugs (empty: all)
  unsigned jobs = 0;                            ///< 0: one per core
  /// Called (from worker threads, serialised) when a module starts or finishes.
  std::function<void(const modules::ModuleSpec&, bool finished, std::size_t done,
                     std::size_t total)>
      progress;
};

std::vector<report::ModuleOutcome> run_backup(const vfs::IosBackup& backup,
                                              const indicators::IndicatorSet* iocs,
                                              const RunOptions& options);

}  // namespace vigil::engine
