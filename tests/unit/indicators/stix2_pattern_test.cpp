#include "indicators/stix2_pattern.hpp"

#include <gtest/gtest.h>

namespace vigil::indicators {
namespace {

TEST(Stix2Pattern, SingleComparisonWithAndWithoutSpaces) {
  for (const char* text :
       {"[domain-name:value='example.org']", "[domain-name:value = 'example.org']",
        "  [ domain-name:value= 'example.org' ] "}) {
    auto p = parse_stix_pattern(text);
    ASSERT_TRUE(p.problem.empty()) << text << ": " << p.problem;
    ASSERT_EQ(p.comparisons.size(), 1u);
    EXPECT_EQ(p.comparisons[0].object_type, "domain-name");
    EXPECT_EQ(p.comparisons[0].path, std::vector<std::string>{"value"});
    EXPECT_EQ(p.comparisons[0].value, "example.org");
  }
}

TEST(Stix2Pattern, QuotedHashAlgorithmAndEscapes) {
  auto p = parse_stix_pattern("[file:hashes.'SHA-256' = 'ab\\'c\\\\d']");
  ASSERT_TRUE(p.problem.empty()) << p.problem;
  ASSERT_EQ(p.comparisons.size(), 1u);
  EXPECT_EQ(p.comparisons[0].path, (std::vector<std::string>{"hashes", "SHA-256"}));
  EXPECT_EQ(p.comparisons[0].value, "ab'c\\d");
}

TEST(Stix2Pattern, ValuesContainingEqualsSignsLoad) {
  // MVT splits on '=' and aborts every load on these (MVT issue #906).
  auto p = parse_stix_pattern("[url:value = 'https://evil.com/x?a=1&b==2']");
  ASSERT_TRUE(p.problem.empty()) << p.problem;
  EXPECT_EQ(p.comparisons.at(0).value, "https://evil.com/x?a=1&b==2");
}

TEST(Stix2Pattern, OrInsideAndBetweenObservationsAndInSets) {
  auto inside = parse_stix_pattern("[domain-name:value = 'a.com' OR domain-name:value = 'b.com']");
  ASSERT_TRUE(inside.problem.empty());
  EXPECT_EQ(inside.comparisons.size(), 2u);
  auto between =
      parse_stix_pattern("[domain-name:value = 'a.com'] OR [ipv4-addr:value = '1.2.3.4']");
  ASSERT_TRUE(between.problem.empty());
  ASSERT_EQ(between.comparisons.size(), 2u);
  EXPECT_EQ(between.comparisons[1].object_type, "ipv4-addr");
  auto in = parse_stix_pattern("[domain-name:value IN ('a.com', 'b.com', 'c.com')]");
  ASSERT_TRUE(in.problem.empty()) << in.problem;
  EXPECT_EQ(in.comparisons.size(), 3u);
  auto nested = parse_stix_pattern("([process:name = 'a'] OR ([process:name = 'b']))");
  ASSERT_TRUE(nested.problem.empty()) << nested.problem;
  EXPECT_EQ(nested.comparisons.size(), 2u);
}

TEST(Stix2Pattern, UnsupportedFormsAreReportedNotFatal) {
  for (const char* text : {
           "[file:name = 'x' AND file:size = 3]",
           "[domain-name:value = 'a.com'] AND [domain-name:value = 'b.com']",
           "[domain-name:value = 'a.com'] FOLLOWEDBY [domain-name:value = 'b.com']",
           "[domain-name:value LIKE '%.evil.com']",
           "[domain-name:value MATCHES '^evil']",
           "[domain-name:value != 'a.com']",
           "[file:name NOT = 'x']",
           "[process:name = 'x'] WITHIN 300 SECONDS",
           "[process:name = 'x'] REPEATS 2 TIMES",
           "[file:hashes.MD5 = h'ffee']",
       }) {
    auto p = parse_stix_pattern(text);
    EXPECT_TRUE(p.problem.starts_with("unsupported: ")) << text << " -> " << p.problem;
    EXPECT_FALSE(p.syntax_error) << text;
    EXPECT_TRUE(p.comparisons.empty()) << text;
  }
}

TEST(Stix2Pattern, SyntaxErrorsNameTheOffset) {
  for (const char* text : {"domain-name:value = 'a.com'", "[domain-name:value = 'a.com'",
                           "[domain-name:value = 'a.com]", "[domain-name = 'a']", "[]", "",
                           "[a:b = 'c'] junk", "[[[[[[[[[[[[[["}) {
    auto p = parse_stix_pattern(text);
    EXPECT_TRUE(p.syntax_error) << text << " -> " << p.problem;
    EXPECT_TRUE(p.problem.starts_with("syntax error")) << text << " -> " << p.problem;
  }
  EXPECT_EQ(parse_stix_pattern("[domain-name:value = 'a.com'").problem,
            "syntax error at offset 28: expected ']'");
}

// Found by the fuzzer: a lexer error after a complete comparison left that comparison in place.
TEST(Stix2Pattern, LexerErrorAfterAComparisonKeepsNothing) {
  std::string text = "[domain-name:value = 'a.com'] OR [ipv4-addr:value = '1.2.3.4'";
  text += std::string(3, '\0') + "]";
  auto p = parse_stix_pattern(text);
  EXPECT_TRUE(p.syntax_error) << p.problem;
  EXPECT_TRUE(p.comparisons.empty());
}

TEST(Stix2Pattern, DeepNestingIsBounded) {
  std::string deep(100000, '(');
  auto p = parse_stix_pattern(deep);
  EXPECT_TRUE(p.syntax_error);
}

}  // namespace
}  // namespace vigil::indicators
