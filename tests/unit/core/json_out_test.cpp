#include "core/json_out.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/text.hpp"

namespace vigil::core {
namespace {

std::string reference(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string written(const Json& value) {
  std::string out = "prefix";  // appended, never overwritten
  append_json(out, value);
  return out.substr(6);
}

TEST(JsonOut, StringsAsNlohmannWritesThem) {
  std::vector<std::string> strings = {
      "", "plain", "quote \" backslash \\ slash /", "tab\tnewline\nreturn\rbell\afeed\f\bback",
      std::string("nul \0 inside", 12), "\x1f\x7f", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
      // Invalid UTF-8: lone continuation, overlong, surrogate, above U+10FFFF, cut short.
      "a\x80z", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "end \xe2\x82", "\xff\xfe"};
  for (int c = 0; c < 256; ++c) strings.emplace_back(1, static_cast<char>(c));
  for (const auto& s : strings) EXPECT_EQ(written(s), reference(s)) << s;
}

TEST(JsonOut, RandomBytesAsNlohmannWritesThem) {
  std::mt19937 rng(3);
  for (int i = 0; i < 20000; ++i) {
    // Short and long strings, dense and sparse in bytes to escape, so that the 16- and 8-byte
    // block scans meet them at every position of a block.
    std::string s(i % 2 == 0 ? rng() % 12 : rng() % 80, '\0');
    const auto odds = static_cast<unsigned>(1 + i % 40);
    for (auto& c : s) c = static_cast<char>(rng() % odds == 0 ? rng() % 256 : 'a' + rng() % 26);
    ASSERT_EQ(written(s), reference(s)) << i;
  }
}

TEST(JsonOut, NumbersAndStructures) {
  const double doubles[] = {0.0,   -0.0,         1.5,
                            2.0,   1e16,         1e-5,
                            1e300, -3.25e-7,     666853079.700876,
                            0.1,   std::nan(""), std::numeric_limits<double>::infinity()};
  for (double d : doubles) EXPECT_EQ(written(d), reference(d)) << d;
  const std::int64_t ints[] = {0, -1, 42, std::numeric_limits<std::int64_t>::min(),
                               std::numeric_limits<std::int64_t>::max()};
  for (auto i : ints) EXPECT_EQ(written(i), reference(i));
  EXPECT_EQ(written(std::numeric_limits<std::uint64_t>::max()),
            reference(std::numeric_limits<std::uint64_t>::max()));
  Json nested = Json::object();
  nested["a"] = Json::array({1, "two", nullptr, true, false, Json::object(), Json::array()});
  nested["k\xc3\xa9y \"q\""] = {{"inner", 2.5}, {"bad \xff", "v"}};
  nested["empty"] = "";
  EXPECT_EQ(written(nested), reference(nested));
  EXPECT_EQ(written(Json::object()), "{}");
  EXPECT_EQ(written(Json::array()), "[]");
}

TEST(JsonOut, StreamedObjectEqualsTheTree) {
  std::string out;
  const std::vector<std::string> links = {"https://a.example/", "b\\c"};
  JsonObject object(out);
  object.string("message", "a \"b\"\n").number("timestamp", -5).null("none");
  append_json_strings(object.member("links"), links);
  append_json_text(object.member("text"), "ok \xff");
  object.close();
  Json tree;
  tree["message"] = "a \"b\"\n";
  tree["timestamp"] = -5;
  tree["none"] = nullptr;
  tree["links"] = links;
  tree["text"] = utf8_or_escaped("ok \xff");  // the module's way: "\\xff"
  EXPECT_EQ(out, reference(tree));
  std::string empty;
  JsonObject(empty).close();
  EXPECT_EQ(empty, "{}");
}

}  // namespace
}  // namespace vigil::core
