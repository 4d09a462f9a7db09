// Where indicators come from, in load order: --iocs paths, $VIGIL_STIX2, $MVT_STIX2, the per-user
// folder that `download-iocs` fills, and the snapshot bundled in the binary. Identical files are
// loaded once; a downloaded copy of a bundled feed replaces the bundled one.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "indicators/indicator_set.hpp"

namespace vigil::indicators {

struct IocOptions {
  std::vector<std::string> paths;  ///< --iocs: files, or folders loaded recursively
  bool environment = true;         ///< VIGIL_STIX2 and MVT_STIX2
  bool user_folder = true;
  bool bundled = true;
};

struct LoadReport {
  std::vector<std::string> errors;  ///< files that could not be loaded ("PATH: why")
  std::vector<std::string> notes;   ///< files passed over on purpose ("PATH: why")
};

/// `$XDG_DATA_HOME/vigil/indicators`, or `~/.local/share/vigil/indicators`.
std::filesystem::path user_indicators_dir();

/// Loads every source and finalizes the set.
IndicatorSet load_indicators(const IocOptions& options, LoadReport& report);

}  // namespace vigil::indicators
