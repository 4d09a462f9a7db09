// Fuzzes the STIX patterning parser on its own: any bytes, no crash, no unbounded recursion, and a
// usable result always has comparisons and no problem text.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "indicators/stix2_loader.hpp"
#include "indicators/stix2_pattern.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vigil::indicators;
  ParsedPattern parsed =
      parse_stix_pattern(std::string_view(reinterpret_cast<const char*>(data), size));
  if (parsed.problem.empty() == parsed.comparisons.empty()) std::abort();
  for (const auto& comparison : parsed.comparisons) {
    if (comparison.path.empty()) std::abort();
    (void)ioc_type_for(comparison);
  }
  return 0;
}
