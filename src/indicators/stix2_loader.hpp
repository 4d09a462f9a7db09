// Loads STIX 2.0/2.1 bundles: indicators, and who they belong to (malware through "indicates"
// relationships, else the reports that list them, else the file itself). A file that is not JSON
// or not a bundle is one error naming the JSON position; a bad indicator is one warning naming
// its id; neither stops other files from loading.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "indicators/indicator_set.hpp"
#include "indicators/stix2_pattern.hpp"

namespace vigil::indicators {

/// Adds every indicator of the document to `set`, attributed to source `source` (already added
/// with add_source). Returns an error message when the document cannot be loaded at all; per-
/// indicator problems are appended to the source's warnings.
std::optional<std::string> load_stix2(std::string_view bytes, std::uint32_t source,
                                      IndicatorSet& set);

/// Whether the bytes are a loadable STIX2 bundle with at least one usable indicator; the error
/// when not. Used to refuse a download that is an error page or a truncated file.
std::optional<std::string> validate_stix2(std::string_view bytes);

/// The indicator type of one comparison's object path, or nullopt when vigil has no matcher for
/// it (e.g. "network-traffic:dst_port").
std::optional<IocType> ioc_type_for(const PatternComparison& comparison);

}  // namespace vigil::indicators
