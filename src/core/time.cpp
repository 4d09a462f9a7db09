#include "core/time.hpp"

#include <cstring>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace vigil::core {

namespace {

constexpr Micros kMinMicros = -62135596800LL * 1000000;  // 0001-01-01
constexpr Micros kMaxMicros = 253402300799LL * 1000000;  // 9999-12-31 23:59:59

std::optional<Micros> checked(double micros) {
  if (!std::isfinite(micros)) return std::nullopt;
  if (micros < static_cast<double>(kMinMicros) || micros > static_cast<double>(kMaxMicros))
    return std::nullopt;
  return static_cast<Micros>(std::llround(micros));
}

// Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

std::optional<Micros> from_unix_seconds(double seconds) { return checked(seconds * 1e6); }

std::optional<Micros> from_cocoa(double value) {
  if (value == 0 || !std::isfinite(value)) return std::nullopt;
  // Nanoseconds since 2001 exceed 1e11 after 1.6 minutes; seconds stay below 1e11 until year 5170.
  if (std::fabs(value) >= 1e11) value /= 1e9;
  return checked((value + static_cast<double>(kCocoaEpochOffsetSeconds)) * 1e6);
}

std::optional<Micros> from_cocoa_integer(std::int64_t value) {
  if (value == 0) return std::nullopt;
  if (value >= 100000000000LL || value <= -100000000000LL) {
    // Nanoseconds: keep integer precision (a double loses the microseconds).
    return value / 1000 + kCocoaEpochOffsetSeconds * 1000000;
  }
  return (value + kCocoaEpochOffsetSeconds) * 1000000;
}

std::optional<Micros> from_webkit_micros(std::int64_t value) {
  // Non-positive values mean "not set" (and would overflow below).
  if (value <= 0) return std::nullopt;
  Micros t = value - kWebkitEpochOffsetSeconds * 1000000;
  if (t < kMinMicros || t > kMaxMicros) return std::nullopt;
  return t;
}

void append_iso(std::string& out, Micros t) {
  std::int64_t seconds = t / 1000000;
  std::int64_t micros = t % 1000000;
  if (micros < 0) {
    micros += 1000000;
    seconds -= 1;
  }
  std::int64_t days = seconds / 86400;
  std::int64_t rem = seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    days -= 1;
  }
  // civil_from_days
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  if (y < 0 || y > 9999) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%lld-%02u-%02u %02lld:%02lld:%02lld.%06lld",
                  static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600),
                  static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60),
                  static_cast<long long>(micros));
    out += buf;
    return;
  }
  // Hand-formatted, two digits at a time: this runs for every timeline event (twice) and record
  // time field.
  static constexpr char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  char text[26] = {'0', '0', '0', '0', '-', '0', '0', '-', '0', '0', ' ', '0', '0',
                   ':', '0', '0', ':', '0', '0', '.', '0', '0', '0', '0', '0', '0'};
  auto pair = [&](std::size_t at, std::int64_t value) {
    std::memcpy(text + at, kPairs + 2 * value, 2);
  };
  pair(0, y / 100);
  pair(2, y % 100);
  pair(5, m);
  pair(8, d);
  pair(11, rem / 3600);
  pair(14, rem / 60 % 60);
  pair(17, rem % 60);
  pair(20, micros / 10000);
  pair(22, micros / 100 % 100);
  pair(24, micros % 100);
  out.append(text, sizeof text);
}

std::string format_iso(Micros t) {
  std::string out;
  append_iso(out, t);
  return out;
}

std::optional<Micros> parse_iso(std::string_view s) {
  auto number = [&](std::size_t pos, std::size_t len, int& out) {
    if (pos + len > s.size()) return false;
    auto [end, ec] = std::from_chars(s.data() + pos, s.data() + pos + len, out);
    return ec == std::errc{} && end == s.data() + pos + len;
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
      s[13] != ':' || s[16] != ':')
    return std::nullopt;
  if (!number(0, 4, y) || !number(5, 2, mo) || !number(8, 2, d) || !number(11, 2, h) ||
      !number(14, 2, mi) || !number(17, 2, sec))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  Micros micros = 0;
  std::size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 6) micros = micros * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    for (; digits < 6; ++digits) micros *= 10;
  }
  if (pos < s.size() && s[pos] == 'Z') ++pos;
  if (pos != s.size()) return std::nullopt;
  std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return (days * 86400 + h * 3600 + mi * 60 + sec) * 1000000 + micros;
}

}  // namespace vigil::core
