#include "core/text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace vigil::core {
namespace {

using Parts = std::vector<std::string_view>;

TEST(Text, CharacterClasses) {
  EXPECT_EQ(ascii_lower('A'), 'a');
  EXPECT_EQ(ascii_lower('Z'), 'z');
  EXPECT_EQ(ascii_lower('['), '[');
  EXPECT_EQ(ascii_lower('\xC3'), '\xC3');  // never touches non-ASCII bytes
  EXPECT_TRUE(is_ascii_hex('f'));
  EXPECT_TRUE(is_ascii_hex('F'));
  EXPECT_FALSE(is_ascii_hex('g'));
  EXPECT_TRUE(is_ascii_space('\v'));
  EXPECT_FALSE(is_ascii_space('\0'));
  static_assert(ascii_lower('Q') == 'q' && is_ascii_digit('7') && !is_ascii_alpha('@'));
}

TEST(Text, LowerAndCompare) {
  EXPECT_EQ(to_lower_ascii("MiXeD 123 ÄÖ"), "mixed 123 ÄÖ");
  EXPECT_TRUE(iequals_ascii("Example.COM", "example.com"));
  EXPECT_FALSE(iequals_ascii("example.com", "example.co"));
  EXPECT_FALSE(iequals_ascii("Ä", "ä"));  // byte-wise ASCII only
  EXPECT_TRUE(iequals_ascii("", ""));
}

TEST(Text, Predicates) {
  EXPECT_TRUE(is_all_ascii("plain\x7F"));
  EXPECT_FALSE(is_all_ascii("caf\xC3\xA9"));
  EXPECT_TRUE(is_all_ascii(""));
  EXPECT_TRUE(is_hex_string("deadBEEF0123"));
  EXPECT_FALSE(is_hex_string(""));
  EXPECT_FALSE(is_hex_string("abc g"));
}

TEST(Text, Trim) {
  EXPECT_EQ(trim("  \t x y \r\n"), "x y");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim(" \f\v "), "");
  EXPECT_EQ(trim("\xC2\xA0x"), "\xC2\xA0x");  // only ASCII white space
}

TEST(Text, Split) {
  EXPECT_EQ(split("a,b,c", ','), (Parts{"a", "b", "c"}));
  EXPECT_EQ(split("a,,b,", ','), (Parts{"a", "", "b", ""}));
  EXPECT_EQ(split("", ','), (Parts{""}));
  EXPECT_EQ(split(",", ','), (Parts{"", ""}));
  EXPECT_EQ(split("no separator", ','), (Parts{"no separator"}));
  std::string with_nul("a\0b", 3);
  EXPECT_EQ(split(with_nul, '\0'), (Parts{"a", "b"}));
}

TEST(Text, PathBasename) {
  EXPECT_EQ(path_basename("/usr/libexec/x"), "x");
  EXPECT_EQ(path_basename("x"), "x");
  EXPECT_EQ(path_basename("/dir/"), "");
  EXPECT_EQ(path_basename(""), "");
}

TEST(Text, PrintableKeepsValidUtf8) {
  EXPECT_EQ(printable("abc"), "abc");
  EXPECT_EQ(printable("tab\tkept"), "tab\tkept");
  EXPECT_EQ(printable("caf\xC3\xA9 \xF0\x9F\x91\x89"), "caf\xC3\xA9 \xF0\x9F\x91\x89");
  EXPECT_EQ(printable(""), "");
}

TEST(Text, PrintableEscapesControlsAndInvalidBytes) {
  EXPECT_EQ(printable("nl\n"), "nl\\x0a");
  EXPECT_EQ(printable(std::string_view("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(printable("\xFF\xFE"), "\\xff\\xfe");
  EXPECT_EQ(printable("\xC0\x80"), "\\xc0\\x80");    // overlong 2-byte
  EXPECT_EQ(printable("x\xE2\x82"), "x\\xe2\\x82");  // truncated sequence
  EXPECT_EQ(printable("\x80"
                      "a"),
            "\\x80a");                         // stray continuation byte
  EXPECT_EQ(printable("\xC3\x28"), "\\xc3(");  // bad continuation
}

// Known gap (reported): the decoder accepts 3/4-byte overlongs, UTF-16 surrogates and code
// points above U+10FFFF, so printable() can emit invalid UTF-8 that a JSON writer rejects.
// Enable once utf8_sequence_length() in text.cpp checks them.
TEST(Text, PrintableEscapesOverlongSurrogateAndOutOfRange) {
  EXPECT_EQ(printable("\xE0\x80\x80"), "\\xe0\\x80\\x80");
  EXPECT_EQ(printable("\xED\xA0\x80"), "\\xed\\xa0\\x80");
  EXPECT_EQ(printable("\xF0\x80\x80\x80"), "\\xf0\\x80\\x80\\x80");
  EXPECT_EQ(printable("\xF4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");
  EXPECT_EQ(printable("\xF5\x80\x80\x80"), "\\xf5\\x80\\x80\\x80");
}

}  // namespace
}  // namespace vigil::core
