// Cryptographic digests (OpenSSL EVP) for evidence and IOC file bookkeeping.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace vigil::core {

/// Lower-case hex of `size` bytes.
std::string to_hex(const unsigned char* data, std::size_t size);
/// Lower-case hex SHA-256 of a byte string.
std::string sha256_hex(std::string_view bytes);
/// Lower-case hex SHA-256 of a file, read in chunks; nullopt when it cannot be read.
std::optional<std::string> sha256_file_hex(const std::filesystem::path& path);

}  // namespace vigil::core
