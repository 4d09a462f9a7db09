// Whole-file reads for the small files vigil reads in one piece (JSON results, key and password
// files, CSV): bounded, so a hostile or sparse file cannot exhaust memory. And the small helpers
// every writer of files shares.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace vigil::core {

/// Writes all `size` bytes to `fd`, writing again after an interrupted or partial write. False,
/// with errno set, when the file cannot take them (a write that makes no progress is EIO).
bool write_all(int fd, const void* data, std::size_t size);

/// Gives back the memory pages wholly inside `bytes`, which must be read-only data of the
/// program's own file (the embedded IOC snapshot): they stop counting toward the process's
/// memory and are read back from the file if touched again.
void release_file_pages(std::string_view bytes);

/// The bytes of `path`, or nullopt when it cannot be read or holds more than `max_bytes`.
std::optional<std::string> read_whole_file(const std::filesystem::path& path,
                                           std::uintmax_t max_bytes = std::uintmax_t{1} << 30);

}  // namespace vigil::core
