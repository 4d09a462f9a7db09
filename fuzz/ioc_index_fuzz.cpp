// Fuzzes the parser of download-iocs' `indicators.yaml` index (yaml-cpp and the entry rules):
// whatever the index says, no crash, and every entry it yields has a URL and a local file name
// that cannot leave the indicators folder.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "net/ioc_update.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> errors;
  auto entries = vigil::net::parse_index(std::string(reinterpret_cast<const char*>(data), size),
                                         "http://127.0.0.1:1/raw", errors);
  if (!entries) return 0;
  for (const auto& entry : *entries) {
    if (entry.url.empty() || entry.file_name.empty()) std::abort();
    if (entry.file_name.find('/') != std::string::npos || entry.file_name == "." ||
        entry.file_name == "..")
      std::abort();
  }
  return 0;
}
