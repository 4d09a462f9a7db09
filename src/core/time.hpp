// Timestamps: every time in vigil is UTC microseconds since the Unix epoch. Each epoch an artifact
// uses has one tested conversion here (mvt-spec-ios §4.3), and one formatter writes them all.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vigil::core {

/// UTC microseconds since 1970-01-01T00:00:00Z.
using Micros = std::int64_t;

inline constexpr std::int64_t kCocoaEpochOffsetSeconds = 978307200;     // 2001-01-01
inline constexpr std::int64_t kWebkitEpochOffsetSeconds = 11644473600;  // 1601-01-01

/// Seconds since 1970 (integer or fractional). nullopt when out of the years 1..9999.
std::optional<Micros> from_unix_seconds(double seconds);
/// Apple "Mac absolute time": seconds since 2001-01-01, as a float or integer. Integers too large
/// to be seconds are taken as nanoseconds (iOS 11+ stores message dates that way); this covers
/// every magnitude, not only MVT's 18-digit rule. 0 means "not set" and gives nullopt.
std::optional<Micros> from_cocoa(double value);
std::optional<Micros> from_cocoa_integer(std::int64_t value);
/// Chrome/WebKit time: microseconds since 1601-01-01. 0 means "not set".
std::optional<Micros> from_webkit_micros(std::int64_t value);
/// "YYYY-MM-DD HH:MM:SS.ffffff" (MVT's format; UTC).
std::string format_iso(Micros t);
/// Appends format_iso(t) to `out`, without a string of its own.
void append_iso(std::string& out, Micros t);
/// Parses "YYYY-MM-DDTHH:MM:SSZ" / "YYYY-MM-DD HH:MM:SS[.ffffff]" (taken as UTC).
std::optional<Micros> parse_iso(std::string_view text);

}  // namespace vigil::core
