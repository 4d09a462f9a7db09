// The encrypted-file layer of a backup: an MBFile blob (Manifest.db, untrusted) gives the wrapped
// file key, protection class and size; the payload (untrusted) is decrypted in place with it
// (decrypt_payload: plists), and read in place through open_payload's source (databases, read
// by SQLite through the VFS), which must agree: the same error or the same plaintext, also when
// read in pieces. Input: a 2-byte little-endian blob length, the blob, then the payload. The class
// keys are fixed: class 4 = 32 bytes of 0x44, wrapped under a derived key of 32 bytes of 0x11 (the
// seeds' keys).
#include <openssl/evp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "vfs/ios_backup_crypto.hpp"

namespace {

using vigil::vfs::ClassKeys;
using vigil::vfs::Key;

const ClassKeys& class_keys() {
  static const ClassKeys keys = [] {
    std::array<unsigned char, 32> kek, class_key;
    kek.fill(0x11);
    class_key.fill(0x44);
    std::array<unsigned char, 40> wrapped{};
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    int n = 0;
    if (EVP_EncryptInit_ex(ctx, EVP_aes_256_wrap(), nullptr, kek.data(), nullptr) != 1 ||
        EVP_EncryptUpdate(ctx, wrapped.data(), &n, class_key.data(), 32) != 1 || n != 40)
      std::abort();
    EVP_CIPHER_CTX_free(ctx);
    vigil::vfs::Keybag bag;
    bag.classes.push_back({4, 2, std::string(wrapped.begin(), wrapped.end())});
    auto derived = Key::from_hex(std::string(64, '1'));
    auto unlocked = ClassKeys::unlock(bag, *derived);
    if (!unlocked) std::abort();
    return *unlocked;
  }();
  return keys;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::size_t blob_size = data[0] | (std::size_t{data[1]} << 8);
  if (blob_size > size - 2) return 0;
  std::string_view blob(reinterpret_cast<const char*>(data) + 2, blob_size);
  std::string payload(reinterpret_cast<const char*>(data) + 2 + blob_size, size - 2 - blob_size);
  std::string error;
  auto file = vigil::vfs::file_encryption(blob, error);
  if (!file) return 0;
  // The payload as a file (in memory) for the in-place reader.
  static const int fd = memfd_create("payload", 0);
  if (fd < 0 || ftruncate(fd, 0) != 0 ||
      pwrite(fd, payload.data(), payload.size(), 0) != static_cast<ssize_t>(payload.size()))
    std::abort();
  std::string source_error;
  auto source = vigil::vfs::open_payload(class_keys(), *file, "/proc/self/fd/" + std::to_string(fd),
                                         source_error);

  auto bytes = std::span(reinterpret_cast<unsigned char*>(payload.data()), payload.size());
  auto plain = vigil::vfs::decrypt_payload(class_keys(), *file, bytes, error);
  if (plain && *plain > payload.size()) std::abort();
  if (!plain && error.empty()) std::abort();
  if (static_cast<bool>(plain) != static_cast<bool>(source)) std::abort();
  if (!plain) {
    if (source_error != error) std::abort();
    return 0;
  }
  if (source->size() != *plain) std::abort();
  // Whole, then in pieces of odd sizes at odd offsets: the same bytes.
  std::string read(*plain, '\0');
  auto out = std::span(reinterpret_cast<unsigned char*>(read.data()), read.size());
  if (!source->read(0, out) || read != payload.substr(0, *plain)) std::abort();
  std::size_t step = 1 + (blob_size % 37);
  for (std::size_t at = blob_size % 19; at < read.size(); at += step) {
    std::size_t n = std::min(step * 3, read.size() - at);
    if (!source->read(at, out.subspan(at, n)) ||
        std::string_view(read).substr(at, n) != std::string_view(payload).substr(at, n))
      std::abort();
  }
  return 0;
}
