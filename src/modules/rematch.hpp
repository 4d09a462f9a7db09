// Re-matching stored records (check-iocs): the indicator checks each module runs on a record,
// applied to the record as it was written to `<module>.json`, so that new indicators can be
// checked without the original evidence.
#pragma once

#include <string_view>

#include "modules/module.hpp"

namespace vigil::modules {

/// Raises in `ctx` the indicator alerts the module `slug` raises for `record`. Heuristic alerts
/// (no indicator involved) are not re-derived: they do not depend on the indicators.
void rematch_record(std::string_view slug, ModuleContext& ctx, const Json& record);

/// Whether a heuristic alert (no indicator attached) of `slug` is one rematch_record() raises
/// itself, because the module raises it only when an indicator matched.
bool rematch_raises(std::string_view slug, std::string_view message);

}  // namespace vigil::modules
