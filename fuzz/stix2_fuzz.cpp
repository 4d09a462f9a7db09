// Fuzzes the STIX2 loader (JSON, bundle structure, attribution, patterns, value normalisation)
// and then every matcher on the values it loaded, which must find themselves.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "indicators/indicator_set.hpp"
#include "indicators/stix2_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vigil::indicators;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  IndicatorSet set;
  auto source = set.add_source(SourceFile{.path = "fuzz.stix2", .origin = "cli"});
  (void)load_stix2(bytes, source, set);
  set.finalize();
  for (const Indicator& indicator : set.indicators()) {
    if (indicator.attributions.empty()) std::abort();
    if (indicator.type == IocType::domain && set.match_domain(indicator.value).empty())
      std::abort();
    if (indicator.type == IocType::sha256 && set.match_hash(indicator.value).empty()) std::abort();
    (void)set.match_url(indicator.value);
    (void)set.match_text(indicator.value);
    (void)set.match_file_path(indicator.value);
    (void)set.match_process(indicator.value);
  }
  (void)validate_stix2(bytes);
  return 0;
}
