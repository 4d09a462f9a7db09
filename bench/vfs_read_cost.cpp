// What decrypting on demand costs: an encrypted backup's Manifest.db read page by page through
// CbcFileSource (what SQLite does through vigil's VFS), against the plain backup's Manifest.db
// read page by page through FileSource (a pread per page, what SQLite's own VFS does), against
// one AES pass over the same number of bytes in memory (the yardstick).
//
//   build/bench/bench/vfs_read_cost ENCRYPTED_BACKUP PLAIN_BACKUP KEY_FILE [PAGES]
//
// KEY_FILE: the derived key (vigil extract-key --key-file). PAGES: the page offsets to read, one
// per line, e.g. those SQLite read in a real check (from `strace -e trace=preadv`); without it,
// every page once in a random order (the worst case: no read continues the one before). Prints
// the medians of 7 rounds; the files are in the page cache after the first.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "core/plist.hpp"
#include "vfs/ios_backup.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int fail(const std::string& what) {
  std::fprintf(stderr, "vfs_read_cost: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace vigil;
  if (argc < 4) return fail("usage: vfs_read_cost ENCRYPTED_BACKUP PLAIN_BACKUP KEY_FILE [PAGES]");
  std::string encrypted = argv[1], plain = argv[2], error, note;
  auto backup = vfs::IosBackup::open(encrypted, error, note);
  if (!backup) return fail(error);
  auto bag = backup->keybag(error);
  std::ifstream key_file(argv[3]);
  std::string hex;
  std::getline(key_file, hex);
  auto derived = vfs::Key::from_hex(hex);
  if (!bag || !derived) return fail("no keybag or no key in " + std::string(argv[3]));
  auto keys = vfs::ClassKeys::unlock(*bag, *derived);
  auto manifest_plist = backup->read_top_level("Manifest.plist");
  auto plist = manifest_plist ? core::Plist::parse(*manifest_plist, error) : std::nullopt;
  std::string manifest_key = plist ? plist->root()["ManifestKey"].data().value_or("") : "";
  if (!keys || manifest_key.size() != 44) return fail("wrong key, or no ManifestKey");
  auto p = reinterpret_cast<const unsigned char*>(manifest_key.data());
  std::uint32_t protection_class =
      p[0] | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24);
  auto key = keys->unwrap(protection_class, std::string_view(manifest_key).substr(4), error);
  if (!key) return fail(error);
  auto cbc = vfs::CbcFileSource::open(encrypted + "/Manifest.db", *key, error);
  auto file = vfs::FileSource::open(plain + "/Manifest.db", error);
  if (!cbc || !file) return fail("Manifest.db " + error);
  constexpr std::uint64_t kPage = 4096;
  std::uint64_t size = std::min(cbc->size(), file->size()) / kPage * kPage;

  std::vector<std::uint64_t> pages;
  if (argc > 4) {
    std::ifstream in(argv[4]);
    for (std::uint64_t offset = 0; in >> offset;)
      if (offset % kPage == 0 && offset + kPage <= size) pages.push_back(offset);
  } else {
    for (std::uint64_t offset = 0; offset < size; offset += kPage) pages.push_back(offset);
    std::shuffle(pages.begin(), pages.end(), std::mt19937(1));
  }
  if (pages.empty()) return fail("no page to read");

  std::vector<unsigned char> page(kPage);
  auto read_all = [&](const core::ByteSource& source) {
    auto start = Clock::now();
    for (std::uint64_t offset : pages)
      if (!source.read(offset, page)) std::abort();
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  };
  std::vector<unsigned char> bytes(pages.size() * kPage);  // as many bytes, in one piece
  auto one_pass = [&] {
    auto start = Clock::now();
    if (!vfs::decrypt_cbc(*key, bytes)) std::abort();
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  };
  std::vector<double> plain_ms, cbc_ms, pass_ms;
  for (int round = 0; round < 7; ++round) {
    plain_ms.push_back(read_all(*file));
    cbc_ms.push_back(read_all(*cbc));
    pass_ms.push_back(one_pass());
  }
  std::printf(
      "%zu page reads (%.1f MB), medians of 7: plain pread %.1f ms, CbcFileSource %.1f ms "
      "(+%.1f ms), one AES pass over as many bytes in memory %.1f ms\n",
      pages.size(), static_cast<double>(bytes.size()) / 1e6, median(plain_ms), median(cbc_ms),
      median(cbc_ms) - median(plain_ms), median(pass_ms));
  return 0;
}
