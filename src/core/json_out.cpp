#include "core/json_out.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/text.hpp"

namespace vigil::core {

namespace {

// Bytes nlohmann writes as they are: printable ASCII but '"' and '\' (DEL included).
constexpr std::array<bool, 256> kVerbatim = [] {
  std::array<bool, 256> table{};
  for (int c = 0x20; c < 0x80; ++c) table[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return table;
}();

// The length of the prefix of [p, p + n) that JSON takes verbatim as far as a block scan can
// tell: no control character, '"', '\' or non-ASCII byte in any whole block of it.
std::size_t plain_prefix(const char* p, std::size_t n) {
  std::size_t i = 0;
#if defined(__SSE2__)
  // Signed bytes: non-ASCII ones are negative, so one "less than 0x20" finds them and controls.
  const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'),
                backslash = _mm_set1_epi8('\\');
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i special =
        _mm_or_si128(_mm_cmplt_epi8(v, space),
                     _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
    if (_mm_movemask_epi8(special) != 0) break;
  }
#endif
  // The classic "has byte less than" and "has zero byte" bit tricks, exact for this question.
  constexpr std::uint64_t kOnes = 0x0101010101010101, kHigh = 0x8080808080808080;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, p + i, 8);
    std::uint64_t control = (w - kOnes * 0x20) & ~w;
    std::uint64_t quote8 = w ^ (kOnes * '"');
    std::uint64_t backslash8 = w ^ (kOnes * '\\');
    quote8 = (quote8 - kOnes) & ~quote8;
    backslash8 = (backslash8 - kOnes) & ~backslash8;
    if (((control | quote8 | backslash8 | w) & kHigh) != 0) break;
  }
  return i;
}

void append_escape(std::string& out, unsigned char c) {
  switch (c) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    default: {
      static constexpr char kHex[] = "0123456789abcdef";
      const char text[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out.append(text, sizeof text);
    }
  }
}

}  // namespace

namespace {

// Appends `value` as a JSON string; false (with `out` unchanged) when it is not valid UTF-8.
bool append_utf8_json_string(std::string& out, std::string_view value) {
  const std::size_t n = value.size();
  auto verbatim_end = [&](std::size_t i) {
    i += plain_prefix(value.data() + i, n - i);
    while (i < n && kVerbatim[static_cast<unsigned char>(value[i])]) ++i;
    return i;
  };
  std::size_t i = verbatim_end(0);
  if (i == n) {  // the usual case: nothing to escape, one copy
    const std::size_t at = out.size();
    out.resize(at + n + 2);
    char* p = out.data() + at;
    p[0] = '"';
    if (n != 0) std::memcpy(p + 1, value.data(), n);
    p[n + 1] = '"';
    return true;
  }
  const std::size_t start = out.size();
  out += '"';
  std::size_t run = 0;  // first byte not yet copied
  while (i < n) {
    auto c = static_cast<unsigned char>(value[i]);
    if (c >= 0x80) {
      std::size_t len = utf8_sequence_length(value, i);
      if (len == 0) {
        out.resize(start);
        return false;
      }
      i += len;
    } else {
      out.append(value.data() + run, i - run);
      append_escape(out, c);
      run = ++i;
    }
    i = verbatim_end(i);
  }
  out.append(value.data() + run, n - run);
  out += '"';
  return true;
}

}  // namespace

void append_json_string(std::string& out, std::string_view value) {
  // Invalid UTF-8: nlohmann's own replacement rules, exactly.
  if (!append_utf8_json_string(out, value))
    out += Json(std::string(value)).dump(-1, ' ', false, Json::error_handler_t::replace);
}

void append_json_strings(std::string& out, std::span<const std::string> values) {
  out += '[';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i != 0) out += ',';
    append_json_string(out, values[i]);
  }
  out += ']';
}

void append_json_text(std::string& out, std::string_view bytes) {
  if (!append_utf8_json_string(out, bytes)) append_json_string(out, utf8_or_escaped(bytes));
}

void append_json_number(std::string& out, std::int64_t value) {
  if (value >= 0 && value < 10) {  // most flags and counters of evidence rows
    out += static_cast<char>('0' + value);
    return;
  }
  char buf[24];
  auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
  out.append(buf, static_cast<std::size_t>(end - buf));
}

void append_json_number(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  char buf[64];
  char* end = nlohmann::detail::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, static_cast<std::size_t>(end - buf));
}

void append_json(std::string& out, const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      out += "null";
      return;
    case Json::value_t::boolean:
      out += value.get<bool>() ? "true" : "false";
      return;
    case Json::value_t::number_integer:
      append_json_number(out, value.get<std::int64_t>());
      return;
    case Json::value_t::number_unsigned: {
      char buf[24];
      auto end = std::to_chars(buf, buf + sizeof buf, value.get<std::uint64_t>()).ptr;
      out.append(buf, static_cast<std::size_t>(end - buf));
      return;
    }
    case Json::value_t::number_float:
      append_json_number(out, value.get<double>());
      return;
    case Json::value_t::string:
      append_json_string(out, value.get_ref<const std::string&>());
      return;
    case Json::value_t::array: {
      const auto& items = value.get_ref<const Json::array_t&>();
      out += '[';
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (i != 0) out += ',';
        append_json(out, items[i]);
      }
      out += ']';
      return;
    }
    case Json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, member] : value.get_ref<const Json::object_t&>()) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, key);
        out += ':';
        append_json(out, member);
      }
      out += '}';
      return;
    }
    default:  // binary, discarded: never in vigil's records
      out += value.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
}

}  // namespace vigil::core
