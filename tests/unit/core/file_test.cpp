#include "core/file.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>

#include "support/test_support.hpp"

namespace vigil::core {
namespace {

namespace fs = std::filesystem;

std::string pattern(std::size_t size) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>((i * 131 + i / 4093) & 0xff);
  return s;
}

TEST(File, ReadsWholeFilesWithinTheBound) {
  test::TempDir dir;
  const std::string bytes = pattern(100000);
  test::write_file(dir.path() / "a.bin", bytes);
  EXPECT_EQ(read_whole_file(dir.path() / "a.bin"), bytes);
  EXPECT_FALSE(read_whole_file(dir.path() / "a.bin", 99999));
  EXPECT_FALSE(read_whole_file(dir.path() / "missing.bin"));
}

// Through a pipe (64 KiB at a time, the reader draining it in odd-sized reads): every byte
// arrives, once, in order.
TEST(File, WriteAllWritesEverything) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const std::string bytes = pattern(3u << 20);
  std::string received;
  std::thread reader([&] {
    char buffer[7919];  // an odd size, so reads and writes never line up
    ssize_t n = 0;
    while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0)
      received.append(buffer, static_cast<std::size_t>(n));
  });
  EXPECT_TRUE(write_all(fds[1], bytes.data(), bytes.size()));
  ::close(fds[1]);
  reader.join();
  ::close(fds[0]);
  EXPECT_TRUE(received == bytes);
}

TEST(File, WriteAllReportsAFullDevice) {
  const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  if (fd < 0) GTEST_SKIP() << "needs /dev/full";
  errno = 0;
  EXPECT_FALSE(write_all(fd, "abc", 3));
  EXPECT_EQ(errno, ENOSPC);
  ::close(fd);
}

// Pages of a read-only file mapping, given back, read the same afterwards.
TEST(File, ReleasedFilePagesReadTheSame) {
  test::TempDir dir;
  const std::string bytes = pattern(5u << 16);
  test::write_file(dir.path() / "mapped.bin", bytes);
  const int fd = ::open((dir.path() / "mapped.bin").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  void* map = ::mmap(nullptr, bytes.size(), PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  ASSERT_NE(map, MAP_FAILED);
  const std::string_view view(static_cast<const char*>(map), bytes.size());
  ASSERT_TRUE(view == bytes);
  release_file_pages(view.substr(100, bytes.size() - 200));  // not page-aligned at either end
  EXPECT_TRUE(view == bytes);
  ::munmap(map, bytes.size());
}

}  // namespace
}  // namespace vigil::core
