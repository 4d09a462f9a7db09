#include "core/file.hpp"

#include <cstdio>
#include <memory>

namespace vigil::core {

std::optional<std::string> read_whole_file(const std::filesystem::path& path,
                                           std::uintmax_t max_bytes) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!file) return std::nullopt;
  std::string out;
  char buffer[1 << 16];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
    if (out.size() + n > max_bytes) return std::nullopt;
    out.append(buffer, n);
  }
  if (std::ferror(file.get()) != 0) return std::nullopt;
  return out;
}

}  // namespace vigil::core
