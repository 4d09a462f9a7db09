// Decryption of encrypted iTunes/Finder backups (mvt-spec-ios §6.2), every primitive from OpenSSL:
// the password goes through PBKDF2-HMAC-SHA256 (DPSL/DPIC, iOS 10.2+) then PBKDF2-HMAC-SHA1
// (SALT/ITER); the result unwraps (RFC 3394) the keybag's class keys, which unwrap Manifest.db's
// key and each file's key (from its MBFile blob); files are AES-256-CBC with a zero IV, padded,
// and cut to the size Manifest.db records. Keys are wiped after use; plaintext is only produced
// in memory, by the caller's buffer. A database is not decrypted whole: CbcFileSource decrypts
// the blocks SQLite reads, when it reads them (CBC decryption is random-access: plaintext block
// i = AES-decrypt(C_i) XOR C_{i-1}, with the zero IV as C_{-1}).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/sqlite.hpp"
#include "vfs/ios_keybag.hpp"

struct evp_cipher_ctx_st;  // OpenSSL's EVP_CIPHER_CTX

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
/// The same from the image's length and its last 16 bytes (or all of it, when shorter).
std::uint64_t without_padding(std::uint64_t size, std::span<const unsigned char> last_block);
/// A plaintext `size` bytes long whose last 16 bytes are `last_block`, without a valid PKCS#7
/// padding (the length unchanged when the padding is not valid).
std::uint64_t without_pkcs7(std::uint64_t size, std::span<const unsigned char> last_block);

/// A file read in place (pread) as the bytes of a SQLite database.
class FileSource : public core::ByteSource {
 public:
  /// nullptr with `error` ("cannot be read") when the file cannot be opened.
  static std::shared_ptr<FileSource> open(const std::filesystem::path& path, std::string& error);
  ~FileSource() override;
  [[nodiscard]] std::uint64_t size() const override { return size_; }
  bool read(std::uint64_t offset, std::span<unsigned char> out) const override;
  /// The length of the file itself.
  [[nodiscard]] std::uint64_t file_size() const { return file_size_; }
  /// Cuts what is read to its first `size` bytes (at most file_size()).
  void limit(std::uint64_t size) { size_ = std::min(size, file_size_); }

 protected:
  FileSource(int fd, std::uint64_t file_size) : fd_(fd), file_size_(file_size), size_(file_size) {}
  /// Reads exactly `n` bytes at `offset` (into one or two buffers, one system call).
  bool pread_exact(std::uint64_t offset, unsigned char* a, std::size_t a_size, unsigned char* b,
                   std::size_t b_size) const;

 private:
  int fd_;
  std::uint64_t file_size_;
  std::uint64_t size_;
};

/// A file encrypted with AES-256-CBC and a zero IV, decrypted as it is read: read(offset, n)
/// reads the ciphertext blocks covering [offset - 16, offset + n) and decrypts only those, with
/// the block before as IV (OpenSSL's EVP AES-256-CBC, no padding). Plaintext that is not the
/// caller's output buffer is wiped. The key lives only in OpenSSL cipher contexts (its key
/// schedule, wiped when they are freed with the source): one per concurrent reader, reused.
/// Reads need whole blocks: callers check file_size() % 16 first.
class CbcFileSource final : public FileSource {
 public:
  /// nullptr with `error` when the file cannot be read or OpenSSL has no AES-256-CBC.
  static std::shared_ptr<CbcFileSource> open(const std::filesystem::path& path, const Key& key,
                                             std::string& error);
  bool read(std::uint64_t offset, std::span<unsigned char> out) const override;
  /// Decrypts the file's last block (before any limit()): its padding; false when unreadable.
  bool last_block(std::array<unsigned char, 16>& out) const;

 private:
  struct CtxFree {
    void operator()(evp_cipher_ctx_st* ctx) const;
  };
  using Ctx = std::unique_ptr<evp_cipher_ctx_st, CtxFree>;
  struct State;  // reusable cipher contexts and recently read IV blocks (ios_backup_crypto.cpp)
  struct StateFree {
    void operator()(State* state) const;
  };
  CbcFileSource(int fd, std::uint64_t file_size, Ctx keyed);
  // Decrypts the whole blocks [offset, offset + n) of the file into `out` (n % 16 == 0).
  bool decrypt_blocks(std::uint64_t offset, unsigned char* out, std::size_t n) const;
  Ctx keyed_;  // initialised with the key, never used directly: the state's contexts copy it
  std::unique_ptr<State, StateFree> state_;
};

/// A payload opened for reading in place, as decrypt_payload would decrypt it: a CbcFileSource
/// cut to its recorded size (or without its PKCS#7 padding when no size is recorded), or the
/// file itself when Manifest.db records no key; nullptr with `error` (the same messages as
/// decrypt_payload: not whole blocks, shorter than its size, key not unwrappable…).
std::shared_ptr<const core::ByteSource> open_payload(const ClassKeys& keys,
                                                     const FileEncryption& file,
                                                     const std::filesystem::path& path,
                                                     std::string& error);

}  // namespace vigil::vfs
