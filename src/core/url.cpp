// Hand-written, linear, bounded URL/host/link scanning; see url.hpp and docs/matching.md.
#include "core/url.hpp"

#include <arpa/inet.h>
#include <idn2.h>
#include <netinet/in.h>

#include <array>
#include <cstring>

#include "core/text.hpp"

namespace vigil::core {
namespace {

constexpr std::size_t kMaxUrlInput = 64 * 1024;
// Percent-encoding triples a 253-byte name; UTF-8 labels are longer than their punycode.
constexpr std::size_t kMaxHostInput = 2048;
constexpr std::size_t kMaxLabel = 63;
constexpr std::size_t kMaxName = 253;
constexpr std::size_t kMaxScheme = 32;
constexpr std::size_t kMaxLinks = 10000;
// Raw (UTF-8, possibly defanged) limits for hosts found in free text.
constexpr std::size_t kMaxTextLabel = 255;
constexpr std::size_t kMaxTextHost = 1024;

constexpr unsigned char byte_at(std::string_view s, std::size_t i) {
  return static_cast<unsigned char>(s[i]);
}

constexpr bool is_ascii_alnum(char c) { return is_ascii_alpha(c) || is_ascii_digit(c); }
constexpr bool is_label_char(char c) { return is_ascii_alnum(c) || c == '-' || c == '_'; }
constexpr bool is_scheme_char(char c) {
  return is_ascii_alnum(c) || c == '+' || c == '-' || c == '.';
}
constexpr bool is_unreserved(char c) {
  return is_ascii_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

constexpr unsigned hex_value(char c) {
  if (is_ascii_digit(c)) return static_cast<unsigned>(c - '0');
  return static_cast<unsigned>(ascii_lower(c) - 'a') + 10;
}

constexpr char kHexUpper[] = "0123456789ABCDEF";

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals_ascii(s.substr(0, prefix.size()), prefix);
}

// ---------------------------------------------------------------------------------------------
// Hosts

// Length of the label separator at s[i]: '.' or one of the full-width dots UTS #46 maps to '.'
// (U+3002, U+FF0E, U+FF61); 0 when there is none.
std::size_t dot_length(std::string_view s, std::size_t i) {
  if (i >= s.size()) return 0;
  if (s[i] == '.') return 1;
  if (i + 3 > s.size()) return 0;
  unsigned a = byte_at(s, i), b = byte_at(s, i + 1), c = byte_at(s, i + 2);
  bool wide = (a == 0xE3 && b == 0x80 && c == 0x82) || (a == 0xEF && b == 0xBC && c == 0x8E) ||
              (a == 0xEF && b == 0xBD && c == 0xA1);
  return wide ? 3 : 0;
}

// WHATWG "IPv4 number parser": decimal, 0x-hex or leading-0 octal. Saturates at 2^32 (which is
// out of range for every part) so hostile digit strings cannot overflow.
std::optional<std::uint64_t> parse_ipv4_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  unsigned radix = 10;
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    radix = 16;
    s.remove_prefix(2);
  } else if (s.size() >= 2 && s[0] == '0') {
    radix = 8;
    s.remove_prefix(1);
  }
  std::uint64_t value = 0;
  for (char c : s) {
    if (!is_ascii_hex(c)) return std::nullopt;
    unsigned digit = hex_value(c);
    if (digit >= radix) return std::nullopt;
    value = value * radix + digit;
    if (value > 0xFFFFFFFFu) value = 0x100000000u;
  }
  return value;
}

// WHATWG "ends in a number": the last label (after one trailing dot) is digits or an IPv4 number.
bool ends_in_number(std::string_view name) {
  if (!name.empty() && name.back() == '.') {
    if (name.size() == 1) return false;
    name.remove_suffix(1);
  }
  std::size_t dot = name.rfind('.');
  std::string_view last = dot == std::string_view::npos ? name : name.substr(dot + 1);
  if (last.empty()) return false;
  bool digits = true;
  for (char c : last) digits = digits && is_ascii_digit(c);
  return digits || parse_ipv4_number(last).has_value();
}

// WHATWG IPv4 parser: 1-4 parts, the last one fills the remaining bytes.
std::optional<std::string> parse_ipv4(std::string_view name) {
  if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);
  std::array<std::uint64_t, 4> parts{};
  std::size_t count = 0;
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = name.find('.', start);
    std::string_view part =
        name.substr(start, dot == std::string_view::npos ? name.npos : dot - start);
    if (count == parts.size()) return std::nullopt;
    auto value = parse_ipv4_number(part);
    if (!value) return std::nullopt;
    parts[count++] = *value;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  for (std::size_t k = 0; k + 1 < count; ++k)
    if (parts[k] > 255) return std::nullopt;
  std::uint64_t last = parts[count - 1];
  if (last >= (std::uint64_t{1} << (8 * (5 - count)))) return std::nullopt;
  std::uint64_t address = last;
  for (std::size_t k = 0; k + 1 < count; ++k) address += parts[k] << (8 * (3 - k));
  std::string out;
  out.reserve(15);
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += std::to_string((address >> shift) & 0xFF);
    if (shift != 0) out += '.';
  }
  return out;
}

// RFC 5952 text through inet_pton/inet_ntop. Zone ids ("fe80::1%eth0") are rejected, as WHATWG
// does: they are meaningless outside the capturing host and never appear in indicators.
std::optional<std::string> canonical_ipv6(std::string_view s) {
  char buffer[64];
  if (s.empty() || s.size() >= sizeof buffer) return std::nullopt;
  for (char c : s)
    if (!(is_ascii_hex(c) || c == ':' || c == '.')) return std::nullopt;  // also no NUL, no '%'
  std::memcpy(buffer, s.data(), s.size());
  buffer[s.size()] = '\0';
  in6_addr address{};
  if (inet_pton(AF_INET6, buffer, &address) != 1) return std::nullopt;
  char text[INET6_ADDRSTRLEN];
  if (inet_ntop(AF_INET6, &address, text, sizeof text) == nullptr) return std::nullopt;
  return std::string(text);
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && is_ascii_hex(s[i + 1]) && is_ascii_hex(s[i + 2])) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// One label through UTS #46 (libidn2): non-transitional first, transitional as the fallback
// (some names, e.g. with symbols, only pass the older rules).
bool idn_label_to_ascii(std::string_view label, std::string& out) {
  std::string input(label);  // NUL-terminated; the caller rejected embedded NULs
  std::uint8_t* result = nullptr;
  const auto* src = reinterpret_cast<const std::uint8_t*>(input.c_str());
  int rc = idn2_lookup_u8(src, &result, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
  if (rc != IDN2_OK) {
    result = nullptr;
    rc = idn2_lookup_u8(src, &result, IDN2_TRANSITIONAL | IDN2_NFC_INPUT);
  }
  if (rc != IDN2_OK || result == nullptr) return false;
  for (const std::uint8_t* p = result; *p != 0; ++p) out += ascii_lower(static_cast<char>(*p));
  idn2_free(result);
  return true;
}

// Domain to ASCII label by label, so that plain ASCII labels keep the lenient DNS rules
// ("r3---sn.example", "_dmarc") that IDNA's hyphen checks would reject.
std::optional<std::string> domain_to_ascii(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  std::size_t start = 0;
  for (std::size_t i = 0;; ++i) {
    std::size_t dot = dot_length(name, i);
    if (i < name.size() && dot == 0) continue;
    std::string_view label = name.substr(start, i - start);
    bool ascii = true;
    for (std::size_t k = 0; k < label.size(); ++k) {
      if (byte_at(label, k) >= 0x80) {
        ascii = false;
      } else if (!is_label_char(label[k])) {
        return std::nullopt;  // forbidden ASCII (and no NUL ever reaches libidn2)
      }
    }
    if (ascii && !starts_with_ci(label, "xn--")) {
      for (char c : label) out += ascii_lower(c);
    } else if (!idn_label_to_ascii(label, out)) {
      return std::nullopt;
    }
    if (i >= name.size()) break;
    out += '.';
    i += dot - 1;
    start = i + 1;
  }
  return out;
}

bool valid_ascii_domain(std::string_view name) {
  if (name.empty() || name.size() > kMaxName) return false;
  std::size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (is_label_char(c) && !(c >= 'A' && c <= 'Z')) {
      if (++label > kMaxLabel) return false;
    } else {
      return false;
    }
  }
  return label != 0;
}

// ---------------------------------------------------------------------------------------------
// URLs

bool is_special(std::string_view scheme) {
  return scheme == "http" || scheme == "https" || scheme == "ws" || scheme == "wss" ||
         scheme == "ftp";
}

std::optional<std::uint16_t> default_port(std::string_view scheme) {
  if (scheme.empty() || scheme == "http" || scheme == "ws") return 80;
  if (scheme == "https" || scheme == "wss") return 443;
  if (scheme == "ftp") return 21;
  return std::nullopt;
}

// Bytes percent-encoded in paths and queries so that equal URLs compare equal: controls, space,
// the characters WHATWG encodes in paths, and every non-ASCII byte.
constexpr bool needs_encoding(char c) {
  auto b = static_cast<unsigned char>(c);
  return b <= 0x20 || b >= 0x7F || c == '"' || c == '<' || c == '>' || c == '`' || c == '{' ||
         c == '}';
}

// Canonical percent-encoding: %XX of unreserved characters decoded, other hex upper-cased, a '%'
// that starts no escape written "%25" (so that a second pass is the identity).
void append_normalized(std::string& out, std::string_view s, bool backslash_is_slash) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 < s.size() && is_ascii_hex(s[i + 1]) && is_ascii_hex(s[i + 2])) {
        auto decoded = static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
        if (is_unreserved(decoded)) {
          out += decoded;
        } else {
          out += '%';
          out += kHexUpper[hex_value(s[i + 1])];
          out += kHexUpper[hex_value(s[i + 2])];
        }
        i += 2;
      } else {
        out += "%25";
      }
    } else if (c == '\\' && backslash_is_slash) {
      out += '/';
    } else if (needs_encoding(c)) {
      auto b = static_cast<unsigned char>(c);
      out += '%';
      out += kHexUpper[b >> 4];
      out += kHexUpper[b & 0xF];
    } else {
      out += c;
    }
  }
}

// Digits only, at most 65535; leading zeros are fine ("0080"), empty is 0 (the caller's concern).
std::optional<std::uint16_t> parse_port(std::string_view digits) {
  std::uint32_t value = 0;
  for (char c : digits) {
    if (!is_ascii_digit(c)) return std::nullopt;
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
    if (value > 65535) return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

// ---------------------------------------------------------------------------------------------
// Free text

// What a code point is to the link scanner.
enum class Cls : std::uint8_t {
  space,   // ASCII/Unicode white space, controls: ends links, precedes them
  punct,   // punctuation/symbols/emoji that may directly precede a link
  joiner,  // '@' '.' '/' '-' '_' …: a link never starts right after one
  alnum,   // ASCII letter or digit
  cjk,     // scripts written without spaces (Han, kana, Hangul, Thai…): text glued to a link
  other,   // other non-ASCII letters (part of IDN labels), invalid UTF-8 bytes
  wide_dot,
};

struct CodePoint {
  std::size_t len = 1;
  Cls cls = Cls::other;
};

Cls classify_ascii(char c) {
  auto b = static_cast<unsigned char>(c);
  if (b <= 0x20 || b == 0x7F) return Cls::space;
  if (is_ascii_alnum(c)) return Cls::alnum;
  switch (c) {
    case '@':
    case '.':
    case '/':
    case '\\':
    case '-':
    case '_':
    case '%':
    case '&':
    case '#':
      return Cls::joiner;
    default:
      return Cls::punct;
  }
}

Cls classify_unicode(std::uint32_t cp) {
  if (cp == 0x3002 || cp == 0xFF0E || cp == 0xFF61) return Cls::wide_dot;
  if (cp < 0xA0 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x2028 ||
      cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF || cp == 0x180E)
    return Cls::space;
  if ((cp >= 0xA1 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2010 && cp <= 0x2027) ||
      (cp >= 0x2030 && cp <= 0x205E) || (cp >= 0x2190 && cp <= 0x2BFF) ||
      (cp >= 0x2E00 && cp <= 0x2E7F) || (cp >= 0x3001 && cp <= 0x303F) ||
      (cp >= 0xFE10 && cp <= 0xFE1F) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
      (cp >= 0xFF01 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
      (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65) ||
      (cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0xFE00 && cp <= 0xFE0F))
    return Cls::punct;
  if ((cp >= 0x0E00 && cp <= 0x0EFF) || (cp >= 0x1000 && cp <= 0x109F) ||
      (cp >= 0x1780 && cp <= 0x17FF) || (cp >= 0x2E80 && cp <= 0x2FDF) ||
      (cp >= 0x3040 && cp <= 0x31FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
      (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA960 && cp <= 0xA97F) ||
      (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
      (cp >= 0xFF66 && cp <= 0xFF9F) || (cp >= 0x20000 && cp <= 0x3FFFF))
    return Cls::cjk;
  return Cls::other;
}

// Decodes and classifies the code point at s[i] (i < s.size()). Invalid UTF-8 is one byte.
CodePoint classify_at(std::string_view s, std::size_t i) {
  unsigned lead = byte_at(s, i);
  if (lead < 0x80) return {1, classify_ascii(s[i])};
  std::size_t len = 0;
  std::uint32_t cp = 0;
  std::uint32_t min = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2, cp = lead & 0x1F, min = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3, cp = lead & 0x0F, min = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    return {1, Cls::other};
  }
  if (i + len > s.size()) return {1, Cls::other};
  for (std::size_t k = 1; k < len; ++k) {
    unsigned b = byte_at(s, i + k);
    if ((b & 0xC0) != 0x80) return {1, Cls::other};
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {1, Cls::other};
  return {len, classify_unicode(cp)};
}

// Class of the code point that ends just before `pos` (pos > 0), for the boundary rule after a
// skipped run. Looks back at most four bytes.
Cls class_before(std::string_view s, std::size_t pos) {
  for (std::size_t back = 1; back <= 4 && back <= pos; ++back) {
    std::size_t start = pos - back;
    if ((byte_at(s, start) & 0xC0) == 0x80) continue;
    CodePoint cp = classify_at(s, start);
    return start + cp.len == pos ? cp.cls : Cls::other;
  }
  return Cls::other;
}

constexpr bool is_label_class(Cls c) { return c == Cls::alnum || c == Cls::cjk || c == Cls::other; }

// A link may start at a code point of class `cur` after one of class `prev`: after white space
// or punctuation, or where Latin text meets a script written without spaces ("访问evil.com").
constexpr bool is_boundary(Cls prev, Cls cur) {
  if (!is_label_class(cur)) return false;
  switch (prev) {
    case Cls::space:
    case Cls::punct:
    case Cls::wide_dot:
      return true;
    case Cls::alnum:
      return cur == Cls::cjk;
    case Cls::cjk:
      return cur == Cls::alnum;
    default:
      return false;
  }
}

// Defanged dots inside links: "[.]" "(.)" "{.}" "[dot]" "(dot)" (any case). Returns the length.
std::size_t defanged_dot_length(std::string_view s, std::size_t i) {
  if (i + 3 > s.size()) return 0;
  char open = s[i];
  char close = open == '[' ? ']' : open == '(' ? ')' : open == '{' ? '}' : '\0';
  if (close == '\0') return 0;
  if (s[i + 1] == '.' && s[i + 2] == close) return 3;
  if (open != '{' && i + 5 <= s.size() && iequals_ascii(s.substr(i + 1, 3), "dot") &&
      s[i + 4] == close)
    return 5;
  return 0;
}

// "://" or its defanged forms "[:]//" and "[://]" at s[i]. Returns the length.
std::size_t scheme_marker_length(std::string_view s, std::size_t i) {
  std::string_view rest = s.substr(i);
  if (rest.starts_with("://")) return 3;
  if (rest.starts_with("[:]//") || rest.starts_with("[://]")) return 5;
  return 0;
}

// Replaces defanged dots; `tail` callers refang the scheme themselves.
void append_refanged(std::string& out, std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    if (std::size_t len = defanged_dot_length(s, i)) {
      out += '.';
      i += len;
    } else {
      out += s[i++];
    }
  }
}

// End of a link body: white space, '<', '>', '"', controls, Unicode punctuation, or Latin text
// running into a script written without spaces.
std::size_t scan_body(std::string_view s, std::size_t pos) {
  Cls last = Cls::punct;
  while (pos < s.size()) {
    char c = s[pos];
    if (c == '<' || c == '>' || c == '"') break;
    CodePoint cp = classify_at(s, pos);
    if (cp.cls == Cls::space || (cp.cls == Cls::punct && byte_at(s, pos) >= 0x80)) break;
    if (cp.cls == Cls::cjk && last == Cls::alnum) break;
    if (cp.cls == Cls::wide_dot) {
      std::size_t next = pos + cp.len;
      if (next >= s.size()) break;
      Cls after = classify_at(s, next).cls;
      if (!is_label_class(after) || last == Cls::cjk || after == Cls::cjk) break;
    }
    last = cp.cls;
    pos += cp.len;
  }
  return pos;
}

// Drops sentence punctuation and unbalanced closing brackets from the end of `s`, never
// shortening it below `keep` bytes.
void trim_tail(std::string& s, std::size_t keep) {
  std::array<long, 3> balance{};  // closers minus openers for (), [], {}
  for (std::size_t i = keep; i < s.size(); ++i) {
    switch (s[i]) {
      case '(':
        --balance[0];
        break;
      case ')':
        ++balance[0];
        break;
      case '[':
        --balance[1];
        break;
      case ']':
        ++balance[1];
        break;
      case '{':
        --balance[2];
        break;
      case '}':
        ++balance[2];
        break;
      default:
        break;
    }
  }
  while (s.size() > keep) {
    char c = s.back();
    std::size_t bracket = c == ')' ? 0 : c == ']' ? 1 : c == '}' ? 2 : 3;
    if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '\'') {
      s.pop_back();
    } else if (bracket < 3 && balance[bracket] > 0) {
      --balance[bracket];
      s.pop_back();
    } else {
      break;
    }
  }
}

// A host-like run of labels in free text starting at `start`.
struct HostRun {
  std::size_t end = 0;      // after the last label
  std::size_t run_end = 0;  // where scanning stopped (>= end; may include a trailing dot)
  bool valid = false;       // a domain with an acceptable last label, or a dotted quad
};

// The last label of a bare domain: 2+ ASCII letters, "xn--…", or entirely non-ASCII.
bool acceptable_tld(std::string_view label) {
  if (label.size() >= 2) {
    bool letters = true;
    for (char c : label) letters = letters && is_ascii_alpha(c);
    if (letters) return true;
  }
  if (label.size() > 4 && starts_with_ci(label, "xn--")) {
    for (char c : label)
      if (!(is_ascii_alnum(c) || c == '-')) return false;
    return true;
  }
  if (label.empty()) return false;
  for (std::size_t i = 0; i < label.size(); ++i)
    if (byte_at(label, i) < 0x80) return false;
  return true;
}

bool is_dotted_quad_part(std::string_view label) {
  if (label.empty() || label.size() > 3) return false;
  unsigned value = 0;
  for (char c : label) {
    if (!is_ascii_digit(c)) return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value <= 255;
}

HostRun scan_host(std::string_view s, std::size_t start) {
  HostRun run;
  std::size_t pos = start;
  std::size_t labels = 0;
  std::size_t numeric_labels = 0;
  bool all_quad_parts = true;
  bool bad = false;
  std::string_view last_label;
  for (;;) {
    // One label: label characters, cut where Latin meets a script written without spaces.
    std::size_t label_start = pos;
    Cls script = Cls::punct;
    bool cut = false;
    while (pos < s.size()) {
      CodePoint cp = classify_at(s, pos);
      bool ok = cp.cls == Cls::alnum || cp.cls == Cls::cjk || cp.cls == Cls::other ||
                (cp.len == 1 && (s[pos] == '-' || s[pos] == '_'));
      if (!ok) break;
      if ((script == Cls::alnum && cp.cls == Cls::cjk) ||
          (script == Cls::cjk && cp.cls == Cls::alnum)) {
        cut = true;
        break;
      }
      if (cp.cls == Cls::alnum || cp.cls == Cls::cjk) script = cp.cls;
      pos += cp.len;
    }
    std::string_view label = s.substr(label_start, pos - label_start);
    if (label.empty()) break;
    ++labels;
    last_label = label;
    run.end = pos;
    bool ascii = true;
    bool digits = true;
    for (std::size_t k = 0; k < label.size(); ++k) {
      ascii = ascii && byte_at(label, k) < 0x80;
      digits = digits && is_ascii_digit(label[k]);
    }
    if (label.size() > (ascii ? kMaxLabel : kMaxTextLabel)) bad = true;
    if (digits) ++numeric_labels;
    all_quad_parts = all_quad_parts && is_dotted_quad_part(label);
    if (cut) break;
    // A separator, if a label follows it: '.', a full-width dot or a defanged dot.
    std::size_t sep = 0;
    bool wide = false;
    if (pos < s.size() && s[pos] == '.') {
      sep = pos + 1 < s.size() && s[pos + 1] == '.' ? 0 : 1;  // ".." is an ellipsis
    } else if (std::size_t wide_len = dot_length(s, pos)) {
      sep = wide_len;
      wide = true;
    } else {
      sep = defanged_dot_length(s, pos);
    }
    if (sep == 0 || pos + sep >= s.size()) break;
    Cls next = classify_at(s, pos + sep).cls;
    if (!is_label_class(next)) break;
    // Next to Han/kana/Hangul text an ideographic full stop ends a sentence ("访问abc.com。谢谢",
    // "我很好。谢谢"); between Latin or Cyrillic labels it is a dot ("abc。com", "пример。рф").
    if (wide && (script == Cls::cjk || next == Cls::cjk)) break;
    pos += sep;
    if (pos - start > kMaxTextHost) bad = true;
  }
  run.run_end = pos;
  if (bad || labels < 2 || run.end - start > kMaxTextHost) return run;
  if (numeric_labels == labels) {
    run.valid = labels == 4 && all_quad_parts;  // "1.2.3" is a version number, not an address
  } else {
    run.valid = acceptable_tld(last_label);
  }
  return run;
}

struct Attempt {
  bool found = false;
  TextLink link;
  std::size_t resume = 0;
};

class LinkScanner {
 public:
  explicit LinkScanner(std::string_view text) : text_(text) {}

  Attempt attempt(std::size_t start) {
    Attempt result;
    result.resume = start + 1;
    if (is_ascii_alpha(text_[start]) && try_scheme(start, result)) return result;
    HostRun host = scan_host(text_, start);
    result.resume = std::max(host.run_end, start + 1);
    if (!host.valid) return result;
    std::size_t end = host.end;
    if (end < text_.size() && text_[end] == '@') return result;  // an e-mail address
    // ":port", then a path.
    std::size_t after_host = end;
    if (end < text_.size() && text_[end] == ':') {
      std::size_t digits = end + 1;
      while (digits < text_.size() && is_ascii_digit(text_[digits]) && digits - end <= 6) ++digits;
      std::size_t count = digits - end - 1;
      if (count >= 1 && count <= 5 && (digits >= text_.size() || !is_ascii_alnum(text_[digits])))
        end = digits;
    }
    std::string link;
    append_refanged(link, text_.substr(start, after_host - start));
    link.append(text_.substr(after_host, end - after_host));
    std::size_t keep = link.size();
    if (end < text_.size() && text_[end] == '/') {
      std::size_t body_end = scan_body(text_, end);
      append_refanged(link, text_.substr(end, body_end - end));
      end = body_end;
      trim_tail(link, keep);
    }
    result.found = true;
    result.link = TextLink{std::move(link), start, false};
    result.resume = std::max(result.resume, end);
    return result;
  }

 private:
  bool try_scheme(std::size_t start, Attempt& result) {
    if (start < run_from_ || start >= run_end_) {
      run_from_ = start;
      run_end_ = start;
      while (run_end_ < text_.size() && is_scheme_char(text_[run_end_])) ++run_end_;
    }
    std::size_t marker = scheme_marker_length(text_, run_end_);
    if (marker == 0 || run_end_ - start > kMaxScheme) return false;
    std::string_view scheme = text_.substr(start, run_end_ - start);
    std::size_t body = run_end_ + marker;
    std::size_t end = scan_body(text_, body);
    result.resume = std::max(end, body);
    std::string link;
    if (iequals_ascii(scheme, "hxxp")) {
      link = "http";
    } else if (iequals_ascii(scheme, "hxxps")) {
      link = "https";
    } else {
      link = scheme;
    }
    link += "://";
    std::size_t keep = link.size();
    append_refanged(link, text_.substr(body, end - body));
    trim_tail(link, keep);
    if (link.size() == keep) return true;  // nothing after "://"
    result.found = true;
    result.link = TextLink{std::move(link), start, true};
    return true;
  }

  std::string_view text_;
  std::size_t run_from_ = 0;  // cache of the scheme-character run, so rescans stay linear
  std::size_t run_end_ = 0;
};

// Byte classes for normalize_ascii_domain's single pass.
constexpr std::uint8_t kFastOther = 0, kFastLabel = 1, kFastDigit = 2, kFastDot = 3;
constexpr std::array<std::uint8_t, 256> kFastDomainByte = [] {
  std::array<std::uint8_t, 256> table{};
  for (int c = 0; c < 256; ++c) {
    auto ch = static_cast<char>(c);
    if (is_ascii_digit(ch)) {
      table[static_cast<std::size_t>(c)] = kFastDigit;
    } else if (is_label_char(ch)) {
      table[static_cast<std::size_t>(c)] = kFastLabel;
    }
  }
  table['.'] = kFastDot;
  return table;
}();

bool is_xn_label(std::string_view label) {
  return label.size() >= 4 && label[2] == '-' && label[3] == '-' && ascii_lower(label[0]) == 'x' &&
         ascii_lower(label[1]) == 'n';
}

}  // namespace

// ---------------------------------------------------------------------------------------------

bool normalize_ascii_domain(std::string_view raw, std::string& out) {
  if (!raw.empty() && raw.back() == '.') raw.remove_suffix(1);
  const std::size_t n = raw.size();
  if (n == 0 || n > kMaxName) return false;
  // One pass that validates and lower-cases; `out` is only meaningful when this returns true.
  out.resize(n);  // no allocation when the capacity suffices
  char* dst = out.data();
  std::size_t label_start = 0;
  bool digits = true;  // the current label is all digits
  for (std::size_t i = 0; i < n; ++i) {
    char c = raw[i];
    std::uint8_t kind = kFastDomainByte[byte_at(raw, i)];
    if (kind == kFastDot) {
      std::size_t len = i - label_start;
      if (len == 0 || len > kMaxLabel || is_xn_label(raw.substr(label_start, len))) return false;
      label_start = i + 1;
      digits = true;
    } else if (kind == kFastOther) {
      return false;
    } else {
      digits = digits && kind == kFastDigit;
    }
    dst[i] = ascii_lower(c);
  }
  std::string_view last = raw.substr(label_start);
  if (last.empty() || last.size() > kMaxLabel || digits || is_xn_label(last)) return false;
  // A last label "0x…" of hex digits is an IPv4 number too ("ends in a number").
  if (last.size() >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X')) {
    bool hex = true;
    for (std::size_t i = 2; i < last.size(); ++i) hex = hex && is_ascii_hex(last[i]);
    if (hex) return false;
  }
  return true;
}

std::optional<Host> normalize_host(std::string_view raw) {
  if (raw.empty() || raw.size() > kMaxHostInput) return std::nullopt;
  if (raw.front() == '[') {
    if (raw.size() < 2 || raw.back() != ']') return std::nullopt;
    auto v6 = canonical_ipv6(raw.substr(1, raw.size() - 2));
    if (!v6) return std::nullopt;
    return Host{HostKind::ipv6, std::move(*v6)};
  }
  if (raw.find(':') != std::string_view::npos) {
    auto v6 = canonical_ipv6(raw);
    if (!v6) return std::nullopt;
    return Host{HostKind::ipv6, std::move(*v6)};
  }
  Host host;
  if (normalize_ascii_domain(raw, host.name)) return host;
  std::optional<std::string> ascii;
  if (raw.find('%') != std::string_view::npos) {
    ascii = domain_to_ascii(percent_decode(raw));
  } else {
    ascii = domain_to_ascii(raw);
  }
  if (!ascii) return std::nullopt;
  if (ends_in_number(*ascii)) {
    auto v4 = parse_ipv4(*ascii);
    if (!v4) return std::nullopt;
    return Host{HostKind::ipv4, std::move(*v4)};
  }
  if (!ascii->empty() && ascii->back() == '.') ascii->pop_back();
  if (!valid_ascii_domain(*ascii)) return std::nullopt;
  host.name = std::move(*ascii);
  return host;
}

std::string Url::normalized() const {
  std::string out;
  out.reserve(scheme.size() + host.name.size() + path.size() + 16 +
              (query ? query->size() + 1 : 0));
  out += scheme.empty() ? std::string_view("http") : std::string_view(scheme);
  out += "://";
  if (host.kind == HostKind::ipv6) {
    out += '[';
    out += host.name;
    out += ']';
  } else {
    out += host.name;
  }
  if (port) {
    out += ':';
    out += std::to_string(*port);
  }
  out += path.empty() ? std::string_view("/") : std::string_view(path);
  if (query) {
    out += '?';
    out += *query;
  }
  return out;
}

std::optional<Url> parse_url(std::string_view input) {
  if (input.size() > kMaxUrlInput) return std::nullopt;
  while (!input.empty() && byte_at(input, 0) <= 0x20) input.remove_prefix(1);
  while (!input.empty() && byte_at(input, input.size() - 1) <= 0x20) input.remove_suffix(1);
  std::string cleaned;  // WHATWG drops tab, CR and LF anywhere
  if (input.find_first_of("\t\r\n") != std::string_view::npos) {
    cleaned.reserve(input.size());
    for (char c : input)
      if (c != '\t' && c != '\r' && c != '\n') cleaned += c;
    input = cleaned;
  }
  if (input.empty()) return std::nullopt;

  Url url;
  std::size_t pos = 0;
  bool has_scheme = false;
  if (is_ascii_alpha(input[0])) {
    std::size_t colon = 1;
    while (colon < input.size() && is_scheme_char(input[colon])) ++colon;
    if (colon < input.size() && input[colon] == ':') {
      std::string scheme = to_lower_ascii(input.substr(0, colon));
      std::size_t after = colon + 1;
      std::size_t slashes = 0;
      bool special = is_special(scheme);
      while (after + slashes < input.size() &&
             (input[after + slashes] == '/' || (special && input[after + slashes] == '\\')))
        ++slashes;
      // "http:example.com" and "http:/x" are what browsers accept; other schemes need "//".
      if (slashes >= 2 || scheme == "http" || scheme == "https") {
        if (!special) slashes = 2;  // a third '/' starts the path of an empty host: rejected
        has_scheme = true;
        url.scheme = std::move(scheme);
        pos = after + slashes;
      }
    }
  }
  if (!has_scheme && input.starts_with("//")) pos = 2;  // scheme-relative "//host/path"
  bool special = !has_scheme || is_special(url.scheme);

  std::size_t authority_end = pos;
  while (authority_end < input.size()) {
    char c = input[authority_end];
    if (c == '/' || c == '?' || c == '#' || (special && c == '\\')) break;
    ++authority_end;
  }
  std::string_view authority = input.substr(pos, authority_end - pos);
  if (std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    if (!has_scheme) return std::nullopt;  // "user@host" without a scheme is an e-mail address
    url.userinfo = std::string(authority.substr(0, at));
    authority.remove_prefix(at + 1);
  }
  std::string_view host_text = authority;
  std::string_view port_text;
  bool has_colon = false;
  if (!authority.empty() && authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host_text = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      has_colon = true;
      port_text = after.substr(1);
    }
  } else if (std::size_t colon = authority.find(':'); colon != std::string_view::npos) {
    host_text = authority.substr(0, colon);
    has_colon = true;
    port_text = authority.substr(colon + 1);
  }
  // An empty port is ignored as WHATWG does, except without a scheme: "ftp:/x" is no host:port.
  if (host_text.empty() || (has_colon && port_text.empty() && !has_scheme)) return std::nullopt;
  auto host = normalize_host(host_text);
  if (!host) return std::nullopt;
  url.host = std::move(*host);
  auto port = parse_port(port_text);
  if (!port) return std::nullopt;
  if (!port_text.empty() && port != default_port(url.scheme)) url.port = *port;

  std::string_view rest = input.substr(authority_end);
  std::size_t hash = rest.find('#');
  if (hash != std::string_view::npos) {
    url.fragment = std::string(rest.substr(hash + 1));
    rest = rest.substr(0, hash);
  }
  std::size_t question = rest.find('?');
  std::string_view path = rest.substr(0, question);
  url.path.reserve(path.size());
  append_normalized(url.path, path, special);
  if (question != std::string_view::npos) {
    url.query.emplace();
    append_normalized(*url.query, rest.substr(question + 1), false);
  }

  if (!has_scheme) {
    // "evil.com", "1.2.3.4:8080", "[::1]/x", "intranet/path" — but not "foo" or "12345".
    bool dotted = host_text.find('.') != std::string_view::npos ||
                  host_text.find("\xE3\x80\x82") != std::string_view::npos ||
                  host_text.find("\xEF\xBC\x8E") != std::string_view::npos ||
                  host_text.find("\xEF\xBD\xA1") != std::string_view::npos;
    bool ok = url.host.kind == HostKind::ipv6 || dotted ||
              (url.host.kind == HostKind::domain && authority_end < input.size());
    if (!ok) return std::nullopt;
  }
  return url;
}

bool may_contain_link(std::string_view text) {
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    // "://" and its defanged forms; full-width dots and labels of other scripts.
    if (c == ':' || c >= 0x80) return true;
    // A dot with a label (or the end of "[.]", "(.)", "{.}") after it: not a sentence's end.
    if (c == '.' && i + 1 < n) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (is_ascii_alnum(static_cast<char>(next)) || next == '-' || next == '_' || next == ']' ||
          next == ')' || next == '}' || next >= 0x80)
        return true;
    }
    // "[dot]", "(dot)".
    if ((c == '[' || c == '(') && i + 3 < n && iequals_ascii(text.substr(i + 1, 3), "dot"))
      return true;
  }
  return false;
}

std::vector<TextLink> extract_links(std::string_view text) {
  std::vector<TextLink> links;
  if (!may_contain_link(text)) return links;
  LinkScanner scanner(text);
  Cls prev = Cls::space;
  std::size_t i = 0;
  while (i < text.size() && links.size() < kMaxLinks) {
    CodePoint cp = classify_at(text, i);
    if (is_boundary(prev, cp.cls)) {
      Attempt attempt = scanner.attempt(i);
      if (attempt.found) links.push_back(std::move(attempt.link));
      i = attempt.resume;
      prev = class_before(text, i);
      if (i >= 2 && text[i - 1] == '.' && text[i - 2] == '.') prev = Cls::punct;
      continue;
    }
    // The second dot of ".." is punctuation (an ellipsis), so "wait...bit.ly/x" finds the link.
    if (text[i] == '.' && i > 0 && text[i - 1] == '.') cp.cls = Cls::punct;
    prev = cp.cls;
    i += cp.len;
  }
  return links;
}

}  // namespace vigil::core
