// The backup keybag parser (Manifest.plist BackupKeyBag, untrusted TLV) and the class-key unwrap
// over whatever it accepts. Aborts when an accepted keybag breaks the parser's guarantees.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "vfs/ios_backup_crypto.hpp"
#include "vfs/ios_keybag.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto bag = vigil::vfs::Keybag::parse(bytes, error);
  if (!bag) {
    if (error.empty()) std::abort();
    return 0;
  }
  if (bag->salt.empty() || bag->iterations == 0 || bag->classes.empty()) std::abort();
  std::size_t wrapped = 0;
  for (const auto& c : bag->classes) wrapped += c.wrapped_key.size();
  if (wrapped > size) std::abort();
  // A fixed derived key: unwrapping arbitrary WPKY values must fail cleanly.
  vigil::vfs::Key key;
  (void)vigil::vfs::ClassKeys::unlock(*bag, key);
  return 0;
}
