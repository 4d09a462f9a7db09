// Shared helpers for the test suite: where the test data lives, temporary folders, file I/O.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace vigil::test {

/// This repository's root (tests read tests/data and data/ from it).
std::filesystem::path source_dir();
/// ../shared beside the checkout: the large corpus and the IOC feeds (read-only).
std::filesystem::path shared_dir();
bool have_shared();
std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& bytes);

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
