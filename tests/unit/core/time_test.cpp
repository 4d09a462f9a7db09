#include "core/time.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

namespace vigil::core {
namespace {

TEST(Time, MvtUtilsFigures) {
  // MVT's test_utils::dates: unix 1626566400 and mactime 648259200 are 2021-07-18 00:00:00.
  EXPECT_EQ(format_iso(*from_unix_seconds(1626566400)), "2021-07-18 00:00:00.000000");
  EXPECT_EQ(format_iso(*from_cocoa(648259200.0)), "2021-07-18 00:00:00.000000");
  EXPECT_EQ(format_iso(*from_cocoa_integer(648259200)), "2021-07-18 00:00:00.000000");
}

TEST(Time, CocoaNanosecondsKeepMicroseconds) {
  // The SMS date of MVT's test backup: nanoseconds since 2001 (MVT keeps whole seconds only).
  EXPECT_EQ(format_iso(*from_cocoa_integer(588813210539788032)), "2019-08-29 23:13:30.539788");
  EXPECT_EQ(format_iso(*from_cocoa(588813210539788032.0)).substr(0, 23), "2019-08-29 23:13:30.539");
  // 17- and 19-digit nanosecond values, which MVT's 18-digit rule mis-converts.
  EXPECT_EQ(format_iso(*from_cocoa_integer(98813210000000000)), "2004-02-18 16:06:50.000000");
  EXPECT_EQ(format_iso(*from_cocoa_integer(1088813210000000000)), "2035-07-04 00:06:50.000000");
  EXPECT_FALSE(from_cocoa(0));
  EXPECT_FALSE(from_cocoa_integer(0));
  EXPECT_EQ(format_iso(*from_cocoa(726100000.1)), "2024-01-04 22:26:40.100000");
}

TEST(Time, WebkitAndFormatting) {
  EXPECT_EQ(format_iso(*from_webkit_micros(13280000000000000)), "2021-10-29 16:53:20.000000");
  EXPECT_FALSE(from_webkit_micros(0));
  EXPECT_EQ(format_iso(0), "1970-01-01 00:00:00.000000");
  EXPECT_EQ(format_iso(-1), "1969-12-31 23:59:59.999999");
  EXPECT_EQ(format_iso(315532800000000), "1980-01-01 00:00:00.000000");
  EXPECT_FALSE(from_unix_seconds(1e20));
  EXPECT_FALSE(from_cocoa(std::numeric_limits<double>::quiet_NaN()));
}

// Every field of the hand-made formatter, at random times from year 1 to 9999: formatting and
// parsing back gives the same microsecond, and the text has the fixed layout.
TEST(Time, FormatRoundTripsAcrossTheYears) {
  std::mt19937_64 rng(5);
  const Micros first = -62135596800000000;  // 0001-01-01
  const Micros last = 253402300799999999;   // 9999-12-31 23:59:59.999999
  for (int i = 0; i < 100000; ++i) {
    const Micros t = first + static_cast<Micros>(rng() % static_cast<std::uint64_t>(last - first));
    const std::string text = format_iso(t);
    ASSERT_EQ(text.size(), 26u) << t;
    ASSERT_EQ(parse_iso(text), t) << text;
  }
  EXPECT_EQ(format_iso(last), "9999-12-31 23:59:59.999999");
  EXPECT_EQ(format_iso(first), "0001-01-01 00:00:00.000000");
}

TEST(Time, ParseIso) {
  EXPECT_EQ(parse_iso("2021-07-18T00:00:00Z"), 1626566400000000);
  EXPECT_EQ(parse_iso("2021-07-18 00:00:00.5"), 1626566400500000);
  EXPECT_EQ(parse_iso("2019-08-29 23:13:30.539788"), *from_cocoa_integer(588813210539788032));
  EXPECT_FALSE(parse_iso("2021-13-18T00:00:00Z"));
  EXPECT_FALSE(parse_iso("yesterday"));
  EXPECT_FALSE(parse_iso("2021-07-18T00:00:00Zjunk"));
}

}  // namespace
}  // namespace vigil::core
