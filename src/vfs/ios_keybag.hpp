// The BackupKeyBag of an encrypted iOS backup's Manifest.plist (mvt-spec-ios §6.2): TLV records of
// a 4-byte ASCII tag, a 4-byte big-endian length and the value. Header attributes come first (KDF
// salts and iteration counts); each later UUID starts a class-key record (CLAS, WRAP, WPKY…).
// Every length is checked against what is left; nothing is trusted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::vfs {

/// One protection class of the keybag, its key still wrapped.
struct KeybagClass {
  std::uint32_t protection_class = 0;  ///< CLAS
  std::uint32_t wrap = 0;              ///< WRAP: bit 1 device key, bit 2 passcode key
  std::string wrapped_key;             ///< WPKY, 40 bytes (RFC 3394) when usable
};

struct Keybag {
  std::uint32_t version = 0;  ///< VERS
  std::uint32_t type = 0;     ///< TYPE: 1 for a backup keybag
  std::string salt;           ///< SALT: salt of the PBKDF2-SHA1 stage
  std::uint64_t iterations = 0;
  std::string dp_salt;              ///< DPSL: salt of the PBKDF2-SHA256 stage (iOS 10.2+)
  std::uint64_t dp_iterations = 0;  ///< DPIC; 0 when the keybag has no SHA-256 stage
  std::vector<KeybagClass> classes;

  /// Parses and validates a keybag; nullopt with `error` (one sentence) when it is truncated,
  /// malformed, or lacks what key derivation needs.
  static std::optional<Keybag> parse(std::string_view bytes, std::string& error);
};

}  // namespace vigil::vfs
