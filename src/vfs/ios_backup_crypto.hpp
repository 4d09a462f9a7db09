// Decryption of encrypted iTunes/Finder backups (mvt-spec-ios §6.2), every primitive from OpenSSL:
// the password goes through PBKDF2-HMAC-SHA256 (DPSL/DPIC, iOS 10.2+) then PBKDF2-HMAC-SHA1
// (SALT/ITER); the result unwraps (RFC 3394) the keybag's class keys, which unwrap Manifest.db's
// key and each file's key (from its MBFile blob); files are AES-256-CBC with a zero IV, padded,
// and cut to the size Manifest.db records. Keys are wiped after use; plaintext is only produced
// in memory, by the caller's buffer.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vfs/ios_keybag.hpp"

namespace vigil::vfs {

/// A 32-byte AES-256 key, wiped when destroyed.
class Key {
 public:
  static constexpr std::size_t kSize = 32;
  Key() = default;
  Key(const Key& other) = default;
  Key& operator=(const Key& other) = default;
  ~Key();

  [[nodiscard]] unsigned char* data() { return bytes_.data(); }
  [[nodiscard]] const unsigned char* data() const { return bytes_.data(); }
  /// 64 lower-case hex digits (what `extract-key` prints and a key file holds).
  [[nodiscard]] std::string hex() const;
  /// Reads 64 hex digits; surrounding white space (a trailing newline) is ignored.
  static std::optional<Key> from_hex(std::string_view text);

 private:
  std::array<unsigned char, kSize> bytes_{};
};

/// Called with the fraction done (0..1) while the key derivation runs.
using KdfProgress = std::function<void(double)>;

/// The key the password derives for this keybag: the slow step (DPIC rounds of SHA-256). With
/// `progress`, the derivation runs on another thread and `progress` is called from this one
/// about ten times a second, with an estimate from a short timed run.
std::optional<Key> derive_key(std::string_view password, const Keybag& keybag,
                              const KdfProgress& progress, std::string& error);

/// RFC 3394 unwrap of a 40-byte wrapped key; nullopt when the integrity check fails.
std::optional<Key> unwrap_key(const Key& kek, std::string_view wrapped);

/// AES-256-CBC decryption with a zero IV, in place; false unless `data` is whole 16-byte blocks.
bool decrypt_cbc(const Key& key, std::span<unsigned char> data);

/// The class keys of a keybag, unwrapped with the derived key.
class ClassKeys {
 public:
  /// nullopt when no passcode-wrapped class key unwraps: the password (or key) is wrong.
  static std::optional<ClassKeys> unlock(const Keybag& keybag, const Key& derived);
  /// Unwraps a key wrapped by a class key; nullopt with `error` when that class is unknown or
  /// the integrity check fails.
  [[nodiscard]] std::optional<Key> unwrap(std::uint32_t protection_class, std::string_view wrapped,
                                          std::string& error) const;

 private:
  std::vector<std::pair<std::uint32_t, Key>> keys_;
  std::vector<std::uint32_t> damaged_;  // passcode-wrapped classes whose key did not unwrap
};

/// What a file's MBFile blob (Manifest.db `Files.file`) says about its payload.
struct FileEncryption {
  bool has_key = false;                ///< EncryptionKey present (else the payload is plain)
  std::uint32_t protection_class = 0;  ///< ProtectionClass, else the key's own class prefix
  std::string wrapped_key;             ///< EncryptionKey without its 4-byte class prefix
  std::optional<std::int64_t> size;    ///< Size: the plaintext length
};

/// Reads the encryption members of an MBFile blob; nullopt with `error` when it is not one.
std::optional<FileEncryption> file_encryption(std::string_view mbfile_blob, std::string& error);

/// Decrypts a payload in place and returns its plaintext length (Size, or without its padding
/// when the blob records no size); nullopt with `error` (why: truncated, key not unwrappable…).
std::optional<std::size_t> decrypt_payload(const ClassKeys& keys, const FileEncryption& file,
                                           std::span<unsigned char> data, std::string& error);

/// The length of a decrypted SQLite image without the PKCS#7 padding of its last block: a
/// database is whole pages (multiples of 512), so the padding is unambiguous.
std::size_t without_padding(std::span<const unsigned char> image);

}  // namespace vigil::vfs
