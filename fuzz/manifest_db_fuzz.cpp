// Feeds a mutated Manifest.db to every module: the Files table every lookup goes through, its
// MBFile `file` blobs (NSKeyedArchiver plists the Manifest module reads) and whatever a hostile
// index says about domains, paths and flags. The payloads are empty files.
#include <cstdint>
#include <string_view>

#include "backup_fixture.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const vigil::fuzz::FuzzBackup backup(vigil::fuzz::kDatabases);
  backup.set_manifest(std::string_view(reinterpret_cast<const char*>(data), size));
  backup.run_modules();
  return 0;
}
