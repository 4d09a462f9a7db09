// Small ASCII text helpers shared by every layer. Locale-independent on purpose: evidence and IOC
// values are compared byte-wise, never through the C locale.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::core {

constexpr char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; }
constexpr bool is_ascii_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_ascii_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool is_ascii_hex(char c) noexcept {
  return is_ascii_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
constexpr bool is_ascii_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string to_lower_ascii(std::string_view s);
bool is_all_ascii(std::string_view s) noexcept;
bool is_hex_string(std::string_view s) noexcept;
std::string_view trim(std::string_view s) noexcept;
bool iequals_ascii(std::string_view a, std::string_view b) noexcept;
std::vector<std::string_view> split(std::string_view s, char sep);
/// The last '/'-separated component of a path ("/usr/libexec/x" -> "x").
std::string_view path_basename(std::string_view path) noexcept;
/// JSON-safe printable form of arbitrary bytes for messages: invalid UTF-8 and control
/// characters (but tab) become \xNN.
std::string printable(std::string_view bytes);
/// Valid UTF-8 for record fields: only invalid UTF-8 sequences become \xNN (newlines stay).
std::string utf8_or_escaped(std::string_view bytes);
/// Whether `bytes` is well-formed UTF-8 (what utf8_or_escaped leaves as it is).
bool is_utf8(std::string_view bytes) noexcept;
/// Length of the well-formed UTF-8 sequence starting at s[i] (Unicode table 3-7: no overlong
/// forms, no surrogates, nothing above U+10FFFF), or 0 when it is not well-formed.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept;

}  // namespace vigil::core
