#include "vfs/ios_backup_crypto.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <future>
#include <memory>
#include <mutex>
#include <vector>

#include "core/hash.hpp"
#include "core/plist.hpp"

namespace vigil::vfs {

namespace {

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

bool pbkdf2(std::string_view secret, std::string_view salt, std::uint64_t iterations,
            const EVP_MD* md, unsigned char* out) {
  if (iterations > INT_MAX || secret.size() > INT_MAX || salt.size() > INT_MAX) return false;
  return PKCS5_PBKDF2_HMAC(secret.data(), static_cast<int>(secret.size()), bytes_of(salt),
                           static_cast<int>(salt.size()), static_cast<int>(iterations), md,
                           static_cast<int>(Key::kSize), out) == 1;
}

// Both stages; the SHA-256 one only for iOS 10.2+ keybags (DPIC present).
bool derive(std::string_view password, const Keybag& keybag, Key& out) {
  if (keybag.dp_iterations == 0)
    return pbkdf2(password, keybag.salt, keybag.iterations, EVP_sha1(), out.data());
  Key stage1;
  if (!pbkdf2(password, keybag.dp_salt, keybag.dp_iterations, EVP_sha256(), stage1.data()))
    return false;
  return pbkdf2({reinterpret_cast<const char*>(stage1.data()), Key::kSize}, keybag.salt,
                keybag.iterations, EVP_sha1(), out.data());
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Key::~Key() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

std::string Key::hex() const { return core::to_hex(bytes_.data(), bytes_.size()); }

std::optional<Key> Key::from_hex(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return std::nullopt;
  text = text.substr(first, text.find_last_not_of(kSpace) - first + 1);
  if (text.size() != 2 * kSize) return std::nullopt;
  Key key;
  for (std::size_t i = 0; i < kSize; ++i) {
    int hi = hex_digit(text[2 * i]), lo = hex_digit(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    key.bytes_[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return key;
}

std::optional<Key> derive_key(std::string_view password, const Keybag& keybag,
                              const KdfProgress& progress, std::string& error) {
  Key key;
  bool ok = false;
  if (!progress) {
    ok = derive(password, keybag, key);
  } else {
    // Estimate the duration from a short run of the same PRF, then report elapsed / estimate.
    using Clock = std::chrono::steady_clock;
    const bool two_stage = keybag.dp_iterations != 0;
    const std::uint64_t total = two_stage ? keybag.dp_iterations : keybag.iterations;
    const std::uint64_t sample = std::min<std::uint64_t>(total, 20000);
    Key scratch;
    auto t0 = Clock::now();
    ok = pbkdf2(password, two_stage ? keybag.dp_salt : keybag.salt, sample,
                two_stage ? EVP_sha256() : EVP_sha1(), scratch.data());
    double per_round = std::chrono::duration<double>(Clock::now() - t0).count() /
                       static_cast<double>(std::max<std::uint64_t>(sample, 1));
    double estimate = per_round * static_cast<double>(total + (two_stage ? keybag.iterations : 0));
    auto started = Clock::now();
    auto job = std::async(std::launch::async, [&] { return derive(password, keybag, key); });
    progress(0.0);
    while (job.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
      double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
      progress(estimate > 0 ? std::min(0.99, elapsed / estimate) : 0.0);
    }
    ok = job.get() && ok;
    progress(1.0);
  }
  if (!ok) {
    error = "the key derivation failed (iteration counts out of range)";
    return std::nullopt;
  }
  return key;
}

std::optional<Key> unwrap_key(const Key& kek, std::string_view wrapped) {
  if (wrapped.size() != Key::kSize + 8) return std::nullopt;
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return std::nullopt;
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_wrap(), nullptr, kek.data(), nullptr) != 1)
    return std::nullopt;
  // The output is written to a wiped buffer: unwrap writes all 40 bytes' worth of work space.
  std::array<unsigned char, Key::kSize + 16> out{};
  int n = 0, tail = 0;
  bool ok = EVP_DecryptUpdate(ctx.get(), out.data(), &n, bytes_of(wrapped),
                              static_cast<int>(wrapped.size())) == 1 &&
            n == static_cast<int>(Key::kSize) &&
            EVP_DecryptFinal_ex(ctx.get(), out.data() + n, &tail) == 1;
  std::optional<Key> key;
  if (ok) {
    key.emplace();
    std::copy_n(out.begin(), Key::kSize, key->data());
  }
  OPENSSL_cleanse(out.data(), out.size());
  return key;
}

bool decrypt_cbc(const Key& key, std::span<unsigned char> data) {
  if (data.size() % 16 != 0) return false;
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  static constexpr unsigned char kZeroIv[16] = {};
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr, key.data(), kZeroIv) != 1)
    return false;
  EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
  // In place (OpenSSL allows out == in), in chunks that fit an int.
  constexpr std::size_t kChunk = std::size_t{1} << 30;
  for (std::size_t at = 0; at < data.size(); at += kChunk) {
    std::size_t n = std::min(kChunk, data.size() - at);
    int out = 0;
    if (EVP_DecryptUpdate(ctx.get(), data.data() + at, &out, data.data() + at,
                          static_cast<int>(n)) != 1 ||
        out != static_cast<int>(n))
      return false;
  }
  int tail = 0;
  return EVP_DecryptFinal_ex(ctx.get(), data.data() + data.size(), &tail) == 1 && tail == 0;
}

std::optional<ClassKeys> ClassKeys::unlock(const Keybag& keybag, const Key& derived) {
  ClassKeys keys;
  for (const auto& c : keybag.classes) {
    // Only passcode-wrapped keys (WRAP bit 2) open with the password; device-wrapped ones would
    // need the phone's UID key and are not in a backup keybag.
    if ((c.wrap & 2) == 0 || c.wrapped_key.empty()) continue;
    if (auto key = unwrap_key(derived, c.wrapped_key))
      keys.keys_.emplace_back(c.protection_class, *key);
    else
      keys.damaged_.push_back(c.protection_class);
  }
  if (keys.keys_.empty()) return std::nullopt;
  return keys;
}

std::optional<Key> ClassKeys::unwrap(std::uint32_t protection_class, std::string_view wrapped,
                                     std::string& error) const {
  auto it = std::find_if(keys_.begin(), keys_.end(),
                         [&](const auto& k) { return k.first == protection_class; });
  if (it == keys_.end() &&
      std::find(damaged_.begin(), damaged_.end(), protection_class) != damaged_.end()) {
    error = "its key is wrapped by protection class " + std::to_string(protection_class) +
            ", whose class key in the keybag cannot be unwrapped (damaged keybag)";
    return std::nullopt;
  }
  if (it == keys_.end()) {
    error = "its key is wrapped by protection class " + std::to_string(protection_class) +
            ", whose class key the keybag does not give";
    return std::nullopt;
  }
  auto key = unwrap_key(it->second, wrapped);
  if (!key) error = "its key cannot be unwrapped (the wrapped key is damaged)";
  return key;
}

std::optional<FileEncryption> file_encryption(std::string_view mbfile_blob, std::string& error) {
  auto plist = core::Plist::parse(mbfile_blob, error);
  if (!plist) {
    error = "its Manifest.db metadata is not a property list (" + error + ")";
    return std::nullopt;
  }
  core::PlistRef objects = plist->root()["$objects"];
  core::PlistRef mbfile = objects.at(1);
  if (!mbfile.is_dict()) {
    error = "its Manifest.db metadata is not an MBFile archive";
    return std::nullopt;
  }
  FileEncryption out;
  out.size = mbfile["Size"].integer();
  core::PlistRef key = mbfile["EncryptionKey"];
  if (!key.valid()) return out;
  // An NSData archived by reference: {"NS.data": <bytes>} in $objects (or the bytes themselves).
  if (key.type() == PLIST_UID) key = objects.at(static_cast<std::size_t>(*key.integer()));
  if (key.is_dict()) key = key["NS.data"];
  auto bytes = key.data();
  if (!bytes || bytes->size() != 4 + Key::kSize + 8) {
    error = "its EncryptionKey is not a 44-byte wrapped key";
    return std::nullopt;
  }
  out.has_key = true;
  auto prefix = bytes_of(*bytes);
  std::uint32_t class_prefix = prefix[0] | (std::uint32_t{prefix[1]} << 8) |
                               (std::uint32_t{prefix[2]} << 16) | (std::uint32_t{prefix[3]} << 24);
  auto protection = mbfile["ProtectionClass"].integer();
  out.protection_class = protection && *protection >= 0 && *protection <= UINT32_MAX
                             ? static_cast<std::uint32_t>(*protection)
                             : class_prefix;
  out.wrapped_key = bytes->substr(4);
  return out;
}

std::optional<std::size_t> decrypt_payload(const ClassKeys& keys, const FileEncryption& file,
                                           std::span<unsigned char> data, std::string& error) {
  if (!file.has_key) {
    // Manifest.db records no key: a plain payload (iOS stores some files unencrypted).
    return data.size();
  }
  if (data.size() % 16 != 0) {
    error = "the encrypted payload is not whole AES blocks (" + std::to_string(data.size()) +
            " bytes: truncated or damaged)";
    return std::nullopt;
  }
  if (file.size && (*file.size < 0 || static_cast<std::uint64_t>(*file.size) > data.size())) {
    error = "the encrypted payload (" + std::to_string(data.size()) +
            " bytes) is shorter than its recorded size " + std::to_string(*file.size) +
            " (truncated)";
    return std::nullopt;
  }
  auto key = keys.unwrap(file.protection_class, file.wrapped_key, error);
  if (!key) return std::nullopt;
  if (!decrypt_cbc(*key, data)) {
    error = "AES decryption failed";
    return std::nullopt;
  }
  if (file.size) return static_cast<std::size_t>(*file.size);
  // No recorded size: drop a valid PKCS#7 padding.
  return without_pkcs7(data.size(), data.last(std::min<std::size_t>(16, data.size())));
}

std::uint64_t without_pkcs7(std::uint64_t size, std::span<const unsigned char> last_block) {
  if (size == 0 || last_block.empty()) return size;
  unsigned pad = last_block.back();
  if (pad == 0 || pad > 16 || pad > last_block.size()) return size;
  for (std::size_t i = last_block.size() - pad; i < last_block.size(); ++i)
    if (last_block[i] != pad) return size;
  return size - pad;
}

std::size_t without_padding(std::span<const unsigned char> image) {
  return without_padding(image.size(), image.last(std::min<std::size_t>(16, image.size())));
}

std::uint64_t without_padding(std::uint64_t size, std::span<const unsigned char> last_block) {
  if (size == 0 || last_block.empty() || size % 512 == 0) return size;
  unsigned pad = last_block.back();
  if (pad == 0 || pad > 16 || pad > last_block.size()) return size;
  std::uint64_t rest = size - pad;
  if (rest % 512 != 0) return size;
  for (std::size_t i = last_block.size() - pad; i < last_block.size(); ++i)
    if (last_block[i] != pad) return size;
  return rest;
}

namespace {

// A regular file opened read-only, with its length; false with `error` when it cannot be.
bool open_regular(const std::filesystem::path& path, int& fd, std::uint64_t& size,
                  std::string& error) {
  fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (fd >= 0) ::close(fd);
    error = "cannot be read";
    return false;
  }
  size = static_cast<std::uint64_t>(st.st_size);
  return true;
}

}  // namespace

std::shared_ptr<FileSource> FileSource::open(const std::filesystem::path& path,
                                             std::string& error) {
  int fd = -1;
  std::uint64_t size = 0;
  if (!open_regular(path, fd, size, error)) return nullptr;
  return std::shared_ptr<FileSource>(new FileSource(fd, size));
}

FileSource::~FileSource() { ::close(fd_); }

bool FileSource::pread_exact(std::uint64_t offset, unsigned char* a, std::size_t a_size,
                             unsigned char* b, std::size_t b_size) const {
  std::array<iovec, 2> parts{iovec{a, a_size}, iovec{b, b_size}};
  std::size_t first = 0;
  while (first < parts.size()) {
    if (parts[first].iov_len == 0) {
      ++first;
      continue;
    }
    ssize_t n = ::preadv(fd_, &parts[first], static_cast<int>(parts.size() - first),
                         static_cast<off_t>(offset));
    if (n <= 0) return false;  // an error, or the file shrank
    offset += static_cast<std::uint64_t>(n);
    for (auto got = static_cast<std::size_t>(n); got != 0 && first < parts.size();) {
      std::size_t take = std::min(got, parts[first].iov_len);
      parts[first].iov_base = static_cast<unsigned char*>(parts[first].iov_base) + take;
      parts[first].iov_len -= take;
      got -= take;
      if (parts[first].iov_len == 0) ++first;
    }
  }
  return true;
}

bool FileSource::read(std::uint64_t offset, std::span<unsigned char> out) const {
  if (offset > size_ || out.size() > size_ - offset) return false;
  return pread_exact(offset, out.data(), out.size(), nullptr, 0);
}

void CbcFileSource::CtxFree::operator()(evp_cipher_ctx_st* ctx) const {
  EVP_CIPHER_CTX_free(ctx);  // wipes the key schedule
}

std::shared_ptr<CbcFileSource> CbcFileSource::open(const std::filesystem::path& path,
                                                   const Key& key, std::string& error) {
  // Fetched once: an implicit fetch (EVP_aes_256_cbc()) on every read would cost a lookup and
  // a lock each time.
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr);
  Ctx keyed(EVP_CIPHER_CTX_new());
  if (cipher == nullptr || !keyed ||
      EVP_DecryptInit_ex(keyed.get(), cipher, nullptr, key.data(), nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(keyed.get(), 0) != 1) {
    error = "cannot be decrypted (OpenSSL has no AES-256-CBC)";
    return nullptr;
  }
  int fd = -1;
  std::uint64_t size = 0;
  if (!open_regular(path, fd, size, error)) return nullptr;
  return std::shared_ptr<CbcFileSource>(new CbcFileSource(fd, size, std::move(keyed)));
}

// Shared by the threads reading one source, under its mutex (held only to take or give back).
struct CbcFileSource::State {
  std::mutex mutex;
  // Keyed contexts not in use: a read takes one (or copies keyed_ when there is none) and gives
  // it back, so concurrent reads never share one and a read costs no allocation or key schedule.
  std::vector<Ctx> contexts;
  // The last ciphertext block of recent reads, by block index (direct-mapped): the IV of a read
  // that starts where an earlier one ended (SQLite reading the next page). Then the read is one
  // aligned pread of its own blocks; otherwise the block before is read with them (one preadv
  // across a page boundary of the page cache, which costs more). Ciphertext only: not secret.
  static constexpr std::size_t kIvs = 512;
  struct Iv {
    std::uint64_t block = UINT64_MAX;
    std::array<unsigned char, 16> bytes{};
  };
  std::array<Iv, kIvs> ivs{};
  // Read-ahead: when a read starts where the previous one ended (a scan), the next kWindow bytes
  // of ciphertext are read at once, and the reads that fall in them are decrypted from there:
  // one system call instead of one per page. Ciphertext only: not secret.
  static constexpr std::size_t kWindow = std::size_t{64} << 10;
  std::vector<unsigned char> window;
  std::uint64_t window_at = 0;           // file offset of window[0]
  std::uint64_t next_read = UINT64_MAX;  // where the previous read ended
};

void CbcFileSource::StateFree::operator()(State* state) const { delete state; }

CbcFileSource::CbcFileSource(int fd, std::uint64_t file_size, Ctx keyed)
    : FileSource(fd, file_size), keyed_(std::move(keyed)), state_(new State) {}

bool CbcFileSource::decrypt_blocks(std::uint64_t offset, unsigned char* out, std::size_t n) const {
  State& state = *state_;
  // The ciphertext block before the first one is its IV (the zero IV for the first block).
  std::array<unsigned char, 16> iv{};
  bool have_iv = offset == 0;
  std::uint64_t iv_block = offset / 16 - 1;
  Ctx ctx;
  {
    std::lock_guard lock(state.mutex);
    bool sequential = offset == state.next_read;
    state.next_read = offset + n;
    std::uint64_t from = offset == 0 ? 0 : offset - 16;  // the IV block, then the blocks
    auto in_window = [&] {
      return from >= state.window_at && offset + n <= state.window_at + state.window.size();
    };
    if (!in_window() && sequential && n <= State::kWindow / 2) {
      state.window.resize(
          static_cast<std::size_t>(std::min<std::uint64_t>(State::kWindow, file_size() - from)));
      state.window_at = from;
      if (!pread_exact(from, state.window.data(), state.window.size(), nullptr, 0)) {
        state.window.clear();
        return false;
      }
    }
    if (in_window()) {
      // Decrypted from the window straight into `out`, under the lock (the window is shared).
      if (!state.contexts.empty()) {
        ctx = std::move(state.contexts.back());
        state.contexts.pop_back();
      } else {
        ctx.reset(EVP_CIPHER_CTX_new());
        if (!ctx || EVP_CIPHER_CTX_copy(ctx.get(), keyed_.get()) != 1) return false;
      }
      const unsigned char* in = state.window.data() + (offset - state.window_at);
      bool ok = EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, nullptr,
                                   offset == 0 ? iv.data() : in - 16) == 1;
      int done = 0;
      ok = ok && EVP_DecryptUpdate(ctx.get(), out, &done, in, static_cast<int>(n)) == 1 &&
           done == static_cast<int>(n);
      if (ok) state.contexts.push_back(std::move(ctx));
      return ok;
    }
    if (!state.contexts.empty()) {
      ctx = std::move(state.contexts.back());
      state.contexts.pop_back();
    }
    if (!have_iv) {
      const State::Iv& cached = state.ivs[iv_block % State::kIvs];
      if (cached.block == iv_block) {
        iv = cached.bytes;
        have_iv = true;
      }
    }
  }
  if (!ctx) {
    ctx.reset(EVP_CIPHER_CTX_new());
    if (!ctx || EVP_CIPHER_CTX_copy(ctx.get(), keyed_.get()) != 1) return false;
  }
  if (!pread_exact(have_iv ? offset : offset - 16, iv.data(), have_iv ? 0 : 16, out, n))
    return false;
  // This read's last ciphertext block: the IV of a read that starts where it ends.
  State::Iv tail;
  tail.block = (offset + n) / 16 - 1;
  std::copy_n(out + n - 16, 16, tail.bytes.data());
  // A new IV, the same key schedule; in place (OpenSSL allows out == in), in pieces that fit an
  // int.
  bool ok = EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, nullptr, iv.data()) == 1;
  constexpr std::size_t kPiece = std::size_t{1} << 30;
  for (std::size_t at = 0; ok && at < n; at += kPiece) {
    int piece = static_cast<int>(std::min(kPiece, n - at)), done = 0;
    ok = EVP_DecryptUpdate(ctx.get(), out + at, &done, out + at, piece) == 1 && done == piece;
  }
  std::lock_guard lock(state.mutex);
  if (ok) state.contexts.push_back(std::move(ctx));
  state.ivs[tail.block % State::kIvs] = tail;
  return ok;
}

bool CbcFileSource::read(std::uint64_t offset, std::span<unsigned char> out) const {
  if (out.empty()) return true;
  if (file_size() % 16 != 0 || offset > size() || out.size() > size() - offset) return false;
  // Whole blocks (SQLite's pages): the ciphertext is read straight into the caller's buffer and
  // decrypted there; no other copy of the plaintext exists.
  if (offset % 16 == 0 && out.size() % 16 == 0)
    return decrypt_blocks(offset, out.data(), out.size());
  // Otherwise the blocks covering the range, through a small scratch buffer wiped afterwards.
  constexpr std::size_t kChunk = 4096;
  std::array<unsigned char, kChunk> scratch;
  std::uint64_t end = offset + out.size();
  std::uint64_t end_block = (end + 15) & ~std::uint64_t{15};  // <= file_size(): whole blocks
  bool ok = true;
  for (std::uint64_t at = offset & ~std::uint64_t{15}; ok && at < end_block;) {
    auto n = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, end_block - at));
    ok = decrypt_blocks(at, scratch.data(), n);
    if (ok) {
      std::uint64_t from = std::max(at, offset), to = std::min(at + n, end);
      std::copy_n(scratch.data() + (from - at), to - from, out.data() + (from - offset));
    }
    at += n;
  }
  OPENSSL_cleanse(scratch.data(), scratch.size());
  return ok;
}

bool CbcFileSource::last_block(std::array<unsigned char, 16>& out) const {
  // Not through read(): limit() may have cut size() before the last block.
  if (file_size() < 16 || file_size() % 16 != 0) return false;
  return decrypt_blocks(file_size() - 16, out.data(), out.size());
}

std::shared_ptr<const core::ByteSource> open_payload(const ClassKeys& keys,
                                                     const FileEncryption& file,
                                                     const std::filesystem::path& path,
                                                     std::string& error) {
  if (!file.has_key) return FileSource::open(path, error);  // a plain payload
  std::error_code ec;
  std::uint64_t cipher_size = std::filesystem::file_size(path, ec);
  if (ec) {
    error = "cannot be read";
    return nullptr;
  }
  if (cipher_size % 16 != 0) {
    error = "the encrypted payload is not whole AES blocks (" + std::to_string(cipher_size) +
            " bytes: truncated or damaged)";
    return nullptr;
  }
  if (file.size && (*file.size < 0 || static_cast<std::uint64_t>(*file.size) > cipher_size)) {
    error = "the encrypted payload (" + std::to_string(cipher_size) +
            " bytes) is shorter than its recorded size " + std::to_string(*file.size) +
            " (truncated)";
    return nullptr;
  }
  auto key = keys.unwrap(file.protection_class, file.wrapped_key, error);
  if (!key) return nullptr;
  auto source = CbcFileSource::open(path, *key, error);
  if (!source) return nullptr;
  if (file.size) {
    source->limit(static_cast<std::uint64_t>(*file.size));
  } else if (cipher_size != 0) {
    // No recorded size: drop a valid PKCS#7 padding.
    std::array<unsigned char, 16> last{};
    if (!source->last_block(last)) {
      error = "cannot be read";
      return nullptr;
    }
    source->limit(without_pkcs7(cipher_size, last));
    OPENSSL_cleanse(last.data(), last.size());
  }
  return source;
}

}  // namespace vigil::vfs
