// Feeds mutated property lists to every module that reads one: the input is Info.plist and the
// payload of every plist the modules look up (.GlobalPreferences, idstatuscache, locationd
// clients, OSAnalytics, configuration profiles, MCProfileEvents, WebKit's session log). Covers
// what the modules pick out of a parsed tree (types they did not expect, missing keys, binary
// data where text belongs), beyond the parser that plist_fuzz covers.
#include <cstdint>
#include <string_view>

#include "backup_fixture.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const vigil::fuzz::FuzzBackup backup(vigil::fuzz::kPlists);
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  backup.set_payloads(bytes);
  backup.set_info_plist(bytes);
  backup.run_modules();
  return 0;
}
