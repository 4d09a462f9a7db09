#include "report/writers.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/test_support.hpp"

namespace vigil::report {
namespace {

namespace fs = std::filesystem;

// Bytes that differ at every offset, so a block written twice, dropped or shifted shows.
std::string pattern(std::size_t size, std::size_t seed) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i)
    s[i] = static_cast<char>((i * 131 + seed * 7 + i / 4093) & 0xff);
  return s;
}

// Appends in the given piece sizes, flushing as the writers do, and returns what reached the file.
// A Cache::keep_first file bypasses the cache from piece `bypass_at` on.
std::string write_pieces(const fs::path& path, BufferedFile::Cache cache,
                         const std::vector<std::size_t>& pieces, std::string& expected,
                         std::size_t bypass_at = 0) {
  BufferedFile file;
  EXPECT_TRUE(file.open(path, cache));
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    if (i == bypass_at) file.bypass_from_here();
    const std::string piece = pattern(pieces[i], i);
    expected += piece;
    file.buffer() += piece;
    file.maybe_flush();
  }
  EXPECT_TRUE(file.close());
  return test::read_file(path);
}

// Whole blocks bypass the page cache and the tail is written at close: every size around the
// block and buffer boundaries must come out byte for byte, whichever way the file was written.
TEST(BufferedFile, WritesExactlyWhatWasAppendedAtEveryBoundary) {
  test::TempDir dir;
  std::vector<fs::path> folders{dir.path()};
  // tmpfs may refuse O_DIRECT (at open or at write): the ordinary path must give the same bytes.
  if (fs::is_directory("/dev/shm")) {
    test::TempDir probe;  // only for a unique name
    folders.push_back(fs::path("/dev/shm") / probe.path().filename());
    fs::create_directories(folders.back());
  }
  const std::vector<std::vector<std::size_t>> cases{
      {},
      {1},
      {4095},
      {4096},
      {4097},
      {(1u << 20) - 1},
      {1u << 20},
      {(1u << 20) + 1},
      {3u << 20, 7},  // one append larger than the buffer
      {1000, 5000, 1u << 20, 3, 4093, 2u << 20, 11},
  };
  for (const auto& folder : folders) {
    for (auto cache : {BufferedFile::Cache::bypass, BufferedFile::Cache::keep}) {
      for (std::size_t c = 0; c < cases.size(); ++c) {
        std::string expected;
        const std::string written =
            write_pieces(folder / ("out-" + std::to_string(c)), cache, cases[c], expected);
        ASSERT_EQ(written.size(), expected.size()) << folder << " case " << c;
        EXPECT_TRUE(written == expected) << folder << " case " << c;
      }
    }
  }
  if (folders.size() > 1) fs::remove_all(folders.back());
}

// A file whose start stays in the page cache: wherever the switch comes (before anything, in
// the middle of a block, after the buffer was flushed), the bytes are the ones appended.
TEST(BufferedFile, KeepsTheStartCachedThenBypasses) {
  test::TempDir dir;
  std::vector<fs::path> folders{dir.path()};
  if (fs::is_directory("/dev/shm")) {
    test::TempDir probe;
    folders.push_back(fs::path("/dev/shm") / probe.path().filename());
    fs::create_directories(folders.back());
  }
  const std::vector<std::size_t> pieces{1000, 4096, (1u << 20) + 5, 3, 4093, 2u << 20, 11};
  for (const auto& folder : folders) {
    for (std::size_t at = 0; at <= pieces.size(); ++at) {
      std::string expected;
      const std::string written =
          write_pieces(folder / ("first-" + std::to_string(at)), BufferedFile::Cache::keep_first,
                       pieces, expected, at);
      ASSERT_EQ(written.size(), expected.size()) << folder << " switch at " << at;
      EXPECT_TRUE(written == expected) << folder << " switch at " << at;
    }
  }
  for (std::size_t f = 1; f < folders.size(); ++f) fs::remove_all(folders[f]);
}

TEST(BufferedFile, ReportsAFileThatCannotBeCreated) {
  test::TempDir dir;
  BufferedFile file;
  EXPECT_FALSE(file.open(dir.path() / "missing" / "out.json"));
  EXPECT_FALSE(file.is_open());
  file.buffer() += "dropped";
  EXPECT_FALSE(file.close());
}

// A write that fails (here: no space left) is reported at close, whichever way it was written.
TEST(BufferedFile, ReportsAWriteThatFails) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "needs /dev/full";
  for (auto cache : {BufferedFile::Cache::bypass, BufferedFile::Cache::keep}) {
    BufferedFile file;
    ASSERT_TRUE(file.open("/dev/full", cache));
    file.buffer() += pattern(3u << 20, 1);
    file.maybe_flush();
    EXPECT_FALSE(file.close());
  }
}

// The new file replaces an older, longer one entirely (O_TRUNC on both paths).
TEST(BufferedFile, TruncatesAnOlderLongerFile) {
  test::TempDir dir;
  const fs::path path = dir.path() / "out.json";
  for (auto cache : {BufferedFile::Cache::bypass, BufferedFile::Cache::keep}) {
    std::string expected;
    write_pieces(path, cache, {3u << 20}, expected);
    expected.clear();
    EXPECT_EQ(write_pieces(path, cache, {5000}, expected), expected);
  }
}

}  // namespace
}  // namespace vigil::report
