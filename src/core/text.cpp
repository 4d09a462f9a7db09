#include "core/text.hpp"

#include <cstdint>
#include <cstring>

#include <cstdio>

namespace vigil::core {

std::string to_lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

bool is_all_ascii(std::string_view s) noexcept {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

bool is_hex_string(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_ascii_hex(c)) return false;
  return true;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_ascii_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ascii_space(s.back())) s.remove_suffix(1);
  return s;
}

bool iequals_ascii(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

std::string_view path_basename(std::string_view path) noexcept {
  size_t pos = path.rfind('/');
  return pos == std::string_view::npos ? path : path.substr(pos + 1);
}

size_t utf8_sequence_length(std::string_view s, size_t i) noexcept {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < len; ++k)
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  return len;
}

bool is_utf8(std::string_view bytes) noexcept {
  for (size_t i = 0; i < bytes.size();) {
    // Evidence text is mostly ASCII: eight bytes at a time while no high bit is set.
    std::uint64_t word = 0;
    while (i + 8 <= bytes.size() &&
           (std::memcpy(&word, bytes.data() + i, 8), (word & 0x8080808080808080u) == 0))
      i += 8;
    if (i == bytes.size()) break;
    size_t len = static_cast<unsigned char>(bytes[i]) < 0x80 ? 1 : utf8_sequence_length(bytes, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

namespace {
std::string escape(std::string_view bytes, bool controls) {
  // Most evidence text is plain printable ASCII: copied in one go.
  size_t plain = 0;
  while (plain < bytes.size()) {
    auto c = static_cast<unsigned char>(bytes[plain]);
    if (c >= 0x80 || (controls && c < 0x20 && c != '\t')) break;
    ++plain;
  }
  if (plain == bytes.size()) return std::string(bytes);
  std::string out;
  out.reserve(bytes.size());
  out.append(bytes.substr(0, plain));
  for (size_t i = plain; i < bytes.size();) {
    size_t len = utf8_sequence_length(bytes, i);
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (len == 0 || (controls && len == 1 && c < 0x20 && c != '\t')) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
      ++i;
      continue;
    }
    out.append(bytes.substr(i, len));
    i += len;
  }
  return out;
}
}  // namespace

std::string printable(std::string_view bytes) { return escape(bytes, true); }
std::string utf8_or_escaped(std::string_view bytes) { return escape(bytes, false); }

}  // namespace vigil::core
