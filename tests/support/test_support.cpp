#include "support/test_support.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "core/hash.hpp"

namespace vigil::test {

std::filesystem::path source_dir() { return VIGIL_SOURCE_DIR; }

std::filesystem::path shared_dir() {
  return std::filesystem::weakly_canonical(std::filesystem::path(VIGIL_SHARED_DIR));
}

bool have_shared() { return std::filesystem::is_directory(shared_dir() / "iocs"); }

std::filesystem::path encrypted_sample(const std::string& kind) {
  return shared_dir() / ("corpus/ios-encrypted-generated/mvt-ios_backup-" + kind);
}

std::string encrypted_sample_oracle(const std::string& kind) {
  return read_file(encrypted_sample(kind).string() + ".oracle.json");
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return std::move(bytes).str();
}

void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::size_t extract_archive(const std::filesystem::path& archive_path,
                            const std::filesystem::path& dest) {
  struct archive* a = archive_read_new();
  archive_read_support_format_all(a);
  archive_read_support_filter_all(a);
  if (archive_read_open_filename(a, archive_path.c_str(), 1 << 16) != ARCHIVE_OK) {
    archive_read_free(a);
    throw std::runtime_error("cannot open " + archive_path.string());
  }
  std::size_t files = 0;
  struct archive_entry* entry = nullptr;
  while (archive_read_next_header(a, &entry) == ARCHIVE_OK) {
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    auto relative =
        std::filesystem::path(archive_entry_pathname(entry)).relative_path().lexically_normal();
    if (relative.empty() || *relative.begin() == "..") continue;
    std::string bytes;
    const void* buf = nullptr;
    std::size_t size = 0;
    la_int64_t offset = 0;
    while (archive_read_data_block(a, &buf, &size, &offset) == ARCHIVE_OK)
      bytes.append(static_cast<const char*>(buf), size);
    write_file(dest / relative, bytes);
    ++files;
  }
  archive_read_free(a);
  return files;
}

std::map<std::string, std::string> tree_digest(const std::filesystem::path& root) {
  std::map<std::string, std::string> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    auto relative = std::filesystem::relative(entry.path(), root).string();
    out[relative] = entry.is_regular_file() ? core::sha256_file_hex(entry.path()).value_or("?")
                                            : std::string("<dir>");
  }
  return out;
}

namespace {
std::string stat_line(const std::filesystem::path& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return "<gone>";
  std::string line = std::to_string(st.st_mode) + " " + std::to_string(st.st_size) + " " +
                     std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) +
                     " " + std::to_string(st.st_ino);
  if (S_ISREG(st.st_mode)) line += " " + core::sha256_file_hex(path).value_or("?");
  if (S_ISLNK(st.st_mode)) line += " -> " + std::filesystem::read_symlink(path).string();
  return line;
}
}  // namespace

std::map<std::string, std::string> evidence_state(const std::filesystem::path& input) {
  std::map<std::string, std::string> out;
  out["."] = stat_line(input);
  if (std::filesystem::is_directory(std::filesystem::symlink_status(input)))
    for (const auto& entry : std::filesystem::recursive_directory_iterator(input))
      out[std::filesystem::relative(entry.path(), input).string()] = stat_line(entry.path());
  auto parent = input.parent_path();
  out["../"] = stat_line(parent);
  for (const auto& entry : std::filesystem::directory_iterator(parent))
    out["../" + entry.path().filename().string()] = "entry";
  return out;
}

TempDir::TempDir() {
  std::random_device rd;
  auto base = std::filesystem::temp_directory_path();
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto candidate = base / ("vigil-test-" + std::to_string(rd()));
    if (std::filesystem::create_directory(candidate)) {
      path_ = candidate;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary folder");
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace vigil::test
