// Shared helpers for the test suite: where the test data lives, temporary folders, file I/O.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

namespace vigil::test {

/// This repository's root (tests read tests/data and data/ from it).
std::filesystem::path source_dir();
/// ../shared beside the checkout: the large corpus and the IOC feeds (read-only).
std::filesystem::path shared_dir();
bool have_shared();
/// An encrypted backup of ../shared/corpus/ios-encrypted-generated ("fastkdf", "realkdf"…), and
/// the JSON text of its oracle (password, derived key, SHA-256 of every decrypted file).
std::filesystem::path encrypted_sample(const std::string& kind);
std::string encrypted_sample_oracle(const std::string& kind);
std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& bytes);

/// Extracts a zip/tar archive (test fixtures) into `dest`; entries that would escape it are
/// skipped. Returns the number of files written.
std::size_t extract_archive(const std::filesystem::path& archive,
                            const std::filesystem::path& dest);

/// SHA-256 of every file below `root`, keyed by relative path: to prove evidence is untouched.
std::map<std::string, std::string> tree_digest(const std::filesystem::path& root);

/// Everything an analyst would swear is unchanged about an input (a folder or a file): for it and
/// everything below it the mode, size, mtime (ns), inode and SHA-256 (or symlink target), plus the
/// names in its parent folder and the parent's own mtime, so nothing may appear beside it either.
std::map<std::string, std::string> evidence_state(const std::filesystem::path& input);

/// A fresh, empty temporary folder removed (recursively) when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace vigil::test

/// Skips the current test, with a clear message, when ../shared is absent.
#define VIGIL_REQUIRE_SHARED()                                                       \
  do {                                                                               \
    if (!::vigil::test::have_shared())                                               \
      GTEST_SKIP() << "needs ../shared beside the checkout (corpus and IOC feeds); " \
                   << "absent at " << ::vigil::test::shared_dir();                   \
  } while (false)
