#include "core/url.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace vigil::core {
namespace {

// ---------------------------------------------------------------------------------------------
// normalize_host

struct HostCase {
  const char* raw;
  std::optional<HostKind> kind;  // nullopt: invalid host
  const char* name;
};

class NormalizeHost : public ::testing::TestWithParam<HostCase> {};

TEST_P(NormalizeHost, Canonicalises) {
  const HostCase& c = GetParam();
  auto host = normalize_host(c.raw);
  if (!c.kind) {
    EXPECT_FALSE(host.has_value()) << c.raw << " -> " << (host ? host->name : "");
    return;
  }
  ASSERT_TRUE(host.has_value()) << c.raw;
  EXPECT_EQ(host->kind, *c.kind) << c.raw;
  EXPECT_EQ(host->name, c.name) << c.raw;
  // Canonical output is a fixed point.
  auto again = normalize_host(host->kind == HostKind::ipv6 ? "[" + host->name + "]" : host->name);
  ASSERT_TRUE(again.has_value()) << host->name;
  EXPECT_EQ(*again, *host);
}

constexpr auto kDomain = HostKind::domain;
constexpr auto kV4 = HostKind::ipv4;
constexpr auto kV6 = HostKind::ipv6;
constexpr std::optional<HostKind> kBad = std::nullopt;

INSTANTIATE_TEST_SUITE_P(
    Domains, NormalizeHost,
    ::testing::Values(
        HostCase{"example.com", kDomain, "example.com"},
        HostCase{"Example.COM", kDomain, "example.com"},
        HostCase{"example.com.", kDomain, "example.com"}, HostCase{"example.com..", kBad, ""},
        HostCase{".example.com", kBad, ""}, HostCase{"a..b", kBad, ""}, HostCase{"", kBad, ""},
        HostCase{".", kBad, ""}, HostCase{"localhost", kDomain, "localhost"},
        HostCase{"_dmarc.Example.org", kDomain, "_dmarc.example.org"},
        HostCase{"r3---sn-abc.googlevideo.com", kDomain, "r3---sn-abc.googlevideo.com"},
        HostCase{"%65vil.com", kDomain, "evil.com"}, HostCase{"evil%2Ecom", kDomain, "evil.com"},
        HostCase{"%zz.com", kBad, ""}, HostCase{"ex ample.com", kBad, ""},
        HostCase{"exa*mple.com", kBad, ""}, HostCase{"a/b.com", kBad, ""},
        HostCase{"evil.com%00", kBad, ""}, HostCase{"evil%3A80.com", kBad, ""},
        HostCase{"bücher.example", kDomain, "xn--bcher-kva.example"},
        HostCase{"BÜCHER.example", kDomain, "xn--bcher-kva.example"},
        HostCase{"b%C3%BCcher.example", kDomain, "xn--bcher-kva.example"},
        HostCase{"ПРИМЕР.рф", kDomain, "xn--e1afmkfd.xn--p1ai"},
        HostCase{"пример。рф", kDomain, "xn--e1afmkfd.xn--p1ai"},
        HostCase{"ＥＸＡＭＰＬＥ．ｃｏｍ", kDomain, "example.com"},
        HostCase{"faß.de", kDomain, "xn--fa-hia.de"},
        HostCase{"xn--bcher-kva.example", kDomain, "xn--bcher-kva.example"},
        HostCase{"XN--BCHER-KVA.example", kDomain, "xn--bcher-kva.example"},
        HostCase{"xn--zz.com", kBad, ""}, HostCase{"b\xFFucher.com", kBad, ""},
        HostCase{"bücher.ex!ample", kBad, ""}));

INSTANTIATE_TEST_SUITE_P(
    Lengths, NormalizeHost,
    ::testing::Values(
        HostCase{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com", kDomain,
                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com"},
        HostCase{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com", kBad,
                 ""}));

INSTANTIATE_TEST_SUITE_P(
    Ipv4, NormalizeHost,
    ::testing::Values(
        HostCase{"1.1.1.1", kV4, "1.1.1.1"}, HostCase{"198.51.100.1", kV4, "198.51.100.1"},
        HostCase{"127.1", kV4, "127.0.0.1"}, HostCase{"127.0.1", kV4, "127.0.0.1"},
        HostCase{"2130706433", kV4, "127.0.0.1"}, HostCase{"0x7f.0.0.1", kV4, "127.0.0.1"},
        HostCase{"0x7F.1", kV4, "127.0.0.1"}, HostCase{"0177.0.0.1", kV4, "127.0.0.1"},
        HostCase{"0x7f000001", kV4, "127.0.0.1"}, HostCase{"1.2.3.4.", kV4, "1.2.3.4"},
        HostCase{"0", kV4, "0.0.0.0"}, HostCase{"0x", kV4, "0.0.0.0"},
        HostCase{"4294967295", kV4, "255.255.255.255"}, HostCase{"4294967296", kBad, ""},
        HostCase{"256.0.0.1", kBad, ""}, HostCase{"1.2.3.256", kBad, ""},
        HostCase{"1.2.65536", kBad, ""}, HostCase{"1.2.3.4.5", kBad, ""},
        HostCase{"1.2.3.4..", kBad, ""}, HostCase{"1..2.3", kBad, ""},
        HostCase{"08.1.1.1", kBad, ""}, HostCase{"0x1g.1.1.1", kBad, ""},
        HostCase{"99999999999999999999999", kBad, ""}, HostCase{"example.0x1", kBad, ""},
        HostCase{"foo.09", kBad, ""}, HostCase{"foo.123", kBad, ""},
        HostCase{"1.2.3.4a", kDomain, "1.2.3.4a"}, HostCase{"%31.2.3.4", kV4, "1.2.3.4"},
        HostCase{"１.２.３.４", kV4, "1.2.3.4"}));

INSTANTIATE_TEST_SUITE_P(
    Ipv6, NormalizeHost,
    ::testing::Values(HostCase{"[2001:DB8::1]", kV6, "2001:db8::1"},
                      HostCase{"2001:db8:0:0:0:0:0:1", kV6, "2001:db8::1"},
                      HostCase{"[2001:db8:0:0:1:0:0:1]", kV6, "2001:db8::1:0:0:1"},
                      HostCase{"[::1]", kV6, "::1"}, HostCase{"::", kV6, "::"},
                      HostCase{"[::ffff:1.2.3.4]", kV6, "::ffff:1.2.3.4"},
                      HostCase{"[fe80::1%25eth0]", kBad, ""}, HostCase{"fe80::1%eth0", kBad, ""},
                      HostCase{"[::1", kBad, ""}, HostCase{"[]", kBad, ""},
                      HostCase{"[1.2.3.4]", kBad, ""}, HostCase{"1:2:3:4:5:6:7:8:9", kBad, ""},
                      HostCase{"[::1]x", kBad, ""}, HostCase{"example.com:80", kBad, ""}));

TEST(NormalizeAsciiDomain, FastPathAgreesWithFullPath) {
  std::string out;
  out.reserve(300);
  const char* fast[] = {"example.com", "WWW.Example.Org.", "a_b-c.d", "localhost", "1.2.3.4a"};
  for (const char* raw : fast) {
    ASSERT_TRUE(normalize_ascii_domain(raw, out)) << raw;
    auto host = normalize_host(raw);
    ASSERT_TRUE(host.has_value()) << raw;
    EXPECT_EQ(host->kind, HostKind::domain);
    EXPECT_EQ(out, host->name);
  }
  const char* slow[] = {"",           ".",
                        "a..b",       "%65vil.com",
                        "bücher.de",  "[::1]",
                        "::1",        "1.2.3.4",
                        "127.1",      "example.0x1",
                        "foo.09",     "xn--bcher-kva.example",
                        "a.XN--p1ai", "ex ample.com",
                        "a.b..",      "evil.com:80"};
  for (const char* raw : slow) EXPECT_FALSE(normalize_ascii_domain(raw, out)) << raw;
}

TEST(NormalizeAsciiDomain, EnforcesLengths) {
  std::string out;
  std::string label63(63, 'a');
  EXPECT_TRUE(normalize_ascii_domain(label63 + ".com", out));
  EXPECT_FALSE(normalize_ascii_domain(label63 + "a.com", out));
  std::string name253;
  while (name253.size() < 250) name253 += label63.substr(0, 49) + ".";
  name253.resize(253, 'b');  // 5 labels of 49 + dots, then the last label padded
  EXPECT_EQ(name253.size(), 253u);
  EXPECT_TRUE(normalize_ascii_domain(name253, out));
  EXPECT_TRUE(normalize_ascii_domain(name253 + ".", out));
  EXPECT_FALSE(normalize_ascii_domain(name253 + "b", out));
  EXPECT_FALSE(normalize_host(name253 + "b").has_value());
}

TEST(NormalizeAsciiDomain, DoesNotAllocateWhenCapacitySuffices) {
  std::string out;
  out.reserve(64);
  const char* before = out.data();
  ASSERT_TRUE(normalize_ascii_domain("Some.Example.ORG", out));
  EXPECT_EQ(out, "some.example.org");
  EXPECT_EQ(out.data(), before);
}

// ---------------------------------------------------------------------------------------------
// parse_url

struct UrlCase {
  const char* input;
  const char* normalized;  // nullptr: nullopt expected
};

class ParseUrl : public ::testing::TestWithParam<UrlCase> {};

TEST_P(ParseUrl, Normalises) {
  const UrlCase& c = GetParam();
  auto url = parse_url(c.input);
  if (c.normalized == nullptr) {
    EXPECT_FALSE(url.has_value()) << c.input << " -> " << (url ? url->normalized() : "");
    return;
  }
  ASSERT_TRUE(url.has_value()) << c.input;
  EXPECT_EQ(url->normalized(), c.normalized) << c.input;
  auto again = parse_url(url->normalized());
  ASSERT_TRUE(again.has_value()) << url->normalized();
  EXPECT_EQ(again->normalized(), url->normalized());
}

INSTANTIATE_TEST_SUITE_P(
    Mvt, ParseUrl,
    ::testing::Values(UrlCase{"http://example.com/thisisbad", "http://example.com/thisisbad"},
                      UrlCase{"https://www.example.org/foobar", "https://www.example.org/foobar"},
                      UrlCase{"http://example.org:8080/toto", "http://example.org:8080/toto"},
                      UrlCase{"https://198.51.100.1:8080/", "https://198.51.100.1:8080/"},
                      UrlCase{"https://1.1.1.1/", "https://1.1.1.1/"},
                      UrlCase{"https://github.com", "https://github.com/"},
                      UrlCase{"goo.gl/maps/example", "http://goo.gl/maps/example"},
                      UrlCase{"http://goo.gl/maps/example?entry=message",
                              "http://goo.gl/maps/example?entry=message"}));

INSTANTIATE_TEST_SUITE_P(
    Authority, ParseUrl,
    ::testing::Values(
        UrlCase{"HTTPS://Example.COM/", "https://example.com/"},
        UrlCase{"http://user:pw@evil.com:81/", "http://evil.com:81/"},
        UrlCase{"http://a@b@evil.com/", "http://evil.com/"},
        UrlCase{"http://[2001:DB8::1]:8080/a", "http://[2001:db8::1]:8080/a"},
        UrlCase{"http://[::1]/", "http://[::1]/"}, UrlCase{"http://[::1]x/", nullptr},
        UrlCase{"http://[::1/", nullptr}, UrlCase{"http://%65vil.com/", "http://evil.com/"},
        UrlCase{"https://bücher.example/", "https://xn--bcher-kva.example/"},
        UrlCase{"http://ПРИМЕР.рф", "http://xn--e1afmkfd.xn--p1ai/"},
        UrlCase{"http://example.com./", "http://example.com/"},
        UrlCase{"http://0x7f.1/", "http://127.0.0.1/"},
        UrlCase{"http://2130706433/", "http://127.0.0.1/"},
        UrlCase{"http://0177.0.0.1/", "http://127.0.0.1/"}, UrlCase{"http://256.0.0.1/", nullptr},
        UrlCase{"http://example.0x1/", nullptr},
        UrlCase{"http://example.com:80/", "http://example.com/"},
        UrlCase{"https://example.com:443/", "https://example.com/"},
        UrlCase{"https://example.com:80/", "https://example.com:80/"},
        UrlCase{"ftp://example.com:21/f", "ftp://example.com/f"},
        UrlCase{"wss://example.com:443/", "wss://example.com/"},
        UrlCase{"http://example.com:0080/", "http://example.com/"},
        UrlCase{"http://example.com:/", "http://example.com/"},
        UrlCase{"http://example.com:65535/", "http://example.com:65535/"},
        UrlCase{"http://example.com:65536/", nullptr}, UrlCase{"http://example.com:-1/", nullptr},
        UrlCase{"http://example.com:8a/", nullptr},
        UrlCase{"http://example.com:99999999999999999999/", nullptr},
        UrlCase{"http://example.com:80:80/", nullptr}, UrlCase{"http://", nullptr},
        UrlCase{"http://:80/", nullptr}, UrlCase{"http://user@/", nullptr},
        UrlCase{"http://exa mple.com/", nullptr},
        UrlCase{"http://evil.com\\path", "http://evil.com/path"},
        UrlCase{"http:\\\\evil.com\\a\\b", "http://evil.com/a/b"},
        UrlCase{"http:example.com/x", "http://example.com/x"},
        UrlCase{"https:/example.com", "https://example.com/"},
        UrlCase{"http:///example.com/", "http://example.com/"},
        UrlCase{"foo://Example.com:80/a\\b", "foo://example.com:80/a\\b"},
        UrlCase{"foo:example.com", nullptr}, UrlCase{"foo:///x", nullptr},
        UrlCase{"ftp:/x.com", nullptr}));

INSTANTIATE_TEST_SUITE_P(
    PathQuery, ParseUrl,
    ::testing::Values(UrlCase{"https://x.org/2dL8ARH", "https://x.org/2dL8ARH"},
                      UrlCase{"http://x.org/%7euser/%2f%2F%41", "http://x.org/~user/%2F%2FA"},
                      UrlCase{"http://x.org/a b", "http://x.org/a%20b"},
                      UrlCase{"http://x.org/ü", "http://x.org/%C3%BC"},
                      UrlCase{"http://x.org/%c3%bc", "http://x.org/%C3%BC"},
                      UrlCase{"http://x.org/100%", "http://x.org/100%25"},
                      UrlCase{"http://x.org/%%341", "http://x.org/%2541"},
                      UrlCase{"http://x.org/a/../b/./c", "http://x.org/a/../b/./c"},
                      UrlCase{"http://x.org?q=1", "http://x.org/?q=1"},
                      UrlCase{"http://x.org/p?", "http://x.org/p?"},
                      UrlCase{"http://x.org/p?a=%41%2b&b=<c>", "http://x.org/p?a=A%2B&b=%3Cc%3E"},
                      UrlCase{"http://x.org/p?a#frag", "http://x.org/p?a"},
                      UrlCase{"http://x.org/p#frag?not-query", "http://x.org/p"}));

INSTANTIATE_TEST_SUITE_P(
    SchemeLess, ParseUrl,
    ::testing::Values(
        UrlCase{"evil.com/path", "http://evil.com/path"}, UrlCase{"evil.com", "http://evil.com/"},
        UrlCase{"Evil.com:8080", "http://evil.com:8080/"},
        UrlCase{"evil.com:80/x", "http://evil.com/x"}, UrlCase{"//evil.com/x", "http://evil.com/x"},
        UrlCase{"1.2.3.4", "http://1.2.3.4/"}, UrlCase{"1.2.3.4:8080/a", "http://1.2.3.4:8080/a"},
        UrlCase{"[::1]", "http://[::1]/"}, UrlCase{"intranet/path", "http://intranet/path"},
        UrlCase{"localhost", nullptr}, UrlCase{"localhost:8080", nullptr},
        UrlCase{"12345", nullptr}, UrlCase{"evil.com:", nullptr}, UrlCase{"user@evil.com", nullptr},
        UrlCase{"mailto:user@evil.com", nullptr}, UrlCase{"javascript:alert(1)", nullptr},
        UrlCase{"about:blank", nullptr}, UrlCase{"data:text/html,<b>x</b>", nullptr}));

INSTANTIATE_TEST_SUITE_P(
    Whitespace, ParseUrl,
    ::testing::Values(UrlCase{"  http://example.com/a \n", "http://example.com/a"},
                      UrlCase{"\x01http://example.com/\x1f", "http://example.com/"},
                      UrlCase{"http://exa\tmple.com/p\na\rth", "http://example.com/path"},
                      UrlCase{"\t\r\n", nullptr}, UrlCase{"", nullptr}, UrlCase{"   ", nullptr},
                      UrlCase{"http://example.com/\x7f", "http://example.com/%7F"}));

INSTANTIATE_TEST_SUITE_P(Garbage, ParseUrl,
                         ::testing::Values(UrlCase{"://", nullptr}, UrlCase{"http:", nullptr},
                                           UrlCase{"http:///", nullptr}, UrlCase{"[", nullptr},
                                           UrlCase{"@", nullptr}, UrlCase{"%", nullptr},
                                           UrlCase{"?", nullptr}, UrlCase{"#", nullptr},
                                           UrlCase{"http://\xff\xfe/", nullptr},
                                           UrlCase{"1http://x.com/", nullptr}));

TEST(ParseUrl, Fields) {
  auto url = parse_url("HTTP://u:p@Example.COM:8080/A%7e?b=%2f#Frag%20");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->scheme, "http");
  EXPECT_EQ(url->userinfo, "u:p");
  EXPECT_EQ(url->host, (Host{HostKind::domain, "example.com"}));
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->path, "/A~");
  EXPECT_EQ(url->query, "b=%2F");
  EXPECT_EQ(url->fragment, "Frag%20");

  auto bare = parse_url("evil.com");
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(bare->scheme, "");
  EXPECT_EQ(bare->path, "");
  EXPECT_FALSE(bare->query.has_value());
  EXPECT_FALSE(bare->fragment.has_value());
  EXPECT_FALSE(bare->port.has_value());

  auto v6 = parse_url("https://[2001:db8::1]/");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->host, (Host{HostKind::ipv6, "2001:db8::1"}));
}

TEST(ParseUrl, NormalizedDefaults) {
  Url url;
  url.host = Host{HostKind::domain, "example.com"};
  EXPECT_EQ(url.normalized(), "http://example.com/");
  url.host = Host{HostKind::ipv6, "::1"};
  url.port = 8443;
  url.query = "";
  url.userinfo = "secret";
  url.fragment = "f";
  EXPECT_EQ(url.normalized(), "http://[::1]:8443/?");
}

TEST(ParseUrl, BoundsInputSize) {
  std::string big = "http://example.com/" + std::string(64 * 1024, 'a');
  EXPECT_FALSE(parse_url(big).has_value());
  std::string fits = "http://example.com/" + std::string(60 * 1024, 'a');
  EXPECT_TRUE(parse_url(fits).has_value());
  EXPECT_FALSE(parse_url(std::string(1 << 20, '%')).has_value());
  EXPECT_FALSE(normalize_host(std::string(100000, 'a')).has_value());
}

TEST(ParseUrl, IsFastEnough) {
  // A loose bound (sanitizer/debug builds are slow); the benchmarks track the real numbers.
  const std::string input = "https://www.example.org/some/path?query=1";
  auto start = std::chrono::steady_clock::now();
  std::size_t total = 0;
  for (int i = 0; i < 20000; ++i) total += parse_url(input)->path.size();
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(total, 20000u * 10);
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), 2000);
}

// ---------------------------------------------------------------------------------------------
// extract_links

struct Found {
  std::string text;
  std::size_t offset;
  bool has_scheme;
  friend bool operator==(const Found&, const Found&) = default;
};

std::ostream& operator<<(std::ostream& os, const Found& f) {
  return os << "{\"" << f.text << "\", " << f.offset << ", " << f.has_scheme << "}";
}

std::vector<Found> links_in(std::string_view text) {
  std::vector<Found> out;
  for (const TextLink& link : extract_links(text)) {
    EXPECT_LT(link.offset, text.size());
    out.push_back(Found{link.text, link.offset, link.has_scheme});
  }
  return out;
}

struct LinkCase {
  const char* text;
  std::vector<Found> links;
};

class ExtractLinks : public ::testing::TestWithParam<LinkCase> {};

TEST_P(ExtractLinks, Finds) {
  const LinkCase& c = GetParam();
  EXPECT_EQ(links_in(c.text), c.links) << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    Sentences, ExtractLinks,
    ::testing::Values(
        LinkCase{"", {}}, LinkCase{"no links here, just words.", {}},
        LinkCase{"Your parcel is waiting: https://evil.com/track?id=42. Reply STOP",
                 {{"https://evil.com/track?id=42", 24, true}}},
        LinkCase{"Click http://a.example/x, then http://b.example/y!",
                 {{"http://a.example/x", 6, true}, {"http://b.example/y", 31, true}}},
        LinkCase{"Is it https://x.org/p? Or x.org?",
                 {{"https://x.org/p", 6, true}, {"x.org", 26, false}}},
        LinkCase{"(see https://en.wikipedia.org/wiki/Foo_(bar))",
                 {{"https://en.wikipedia.org/wiki/Foo_(bar)", 5, true}}},
        LinkCase{"[https://x.org/a]", {{"https://x.org/a", 1, true}}},
        LinkCase{"{https://x.org/a}.", {{"https://x.org/a", 1, true}}},
        LinkCase{"'https://x.org/a'", {{"https://x.org/a", 1, true}}},
        LinkCase{"<https://x.org/a>", {{"https://x.org/a", 1, true}}},
        LinkCase{"\"https://x.org/a\"", {{"https://x.org/a", 1, true}}},
        LinkCase{"go:https://x.org/a;", {{"https://x.org/a", 3, true}}},
        LinkCase{"http:// nothing", {}}, LinkCase{"http://.", {}},
        LinkCase{"ws://10.0.0.1:9000/s ftp://files.example/f wss://h.example",
                 {{"ws://10.0.0.1:9000/s", 0, true},
                  {"ftp://files.example/f", 21, true},
                  {"wss://h.example", 43, true}}},
        LinkCase{"custom+app.x://open/thing", {{"custom+app.x://open/thing", 0, true}}},
        LinkCase{"http://[2001:db8::1]:8080/a]", {{"http://[2001:db8::1]:8080/a", 0, true}}}));

INSTANTIATE_TEST_SUITE_P(
    Bare, ExtractLinks,
    ::testing::Values(
        LinkCase{"visit www.example.org/login now", {{"www.example.org/login", 6, false}}},
        LinkCase{"sub.evil.co.uk/path.", {{"sub.evil.co.uk/path", 0, false}}},
        LinkCase{"Go to example.com.", {{"example.com", 6, false}}},
        LinkCase{"example.com:8443/x and example.com: fine",
                 {{"example.com:8443/x", 0, false}, {"example.com", 23, false}}},
        LinkCase{"ip 198.51.100.7, port 10.0.0.1:22.",
                 {{"198.51.100.7", 3, false}, {"10.0.0.1:22", 22, false}}},
        LinkCase{"version 1.2.3 and 1.2.3.4.5 and 256.1.1.1", {}},
        LinkCase{"e.g. this, i.e. that, U.S.A. and etc.", {}},
        LinkCase{"mail john.doe@gmail.com or user@example.com", {}},
        LinkCase{"bücher.de and пример.рф", {{"bücher.de", 0, false}, {"пример.рф", 15, false}}},
        LinkCase{"xn--bcher-kva.example is punycode", {{"xn--bcher-kva.example", 0, false}}},
        LinkCase{"foo.x1 and a.b and /path/evil.com and x-evil.com", {{"x-evil.com", 38, false}}},
        LinkCase{"wait...bit.ly/abc", {{"bit.ly/abc", 7, false}}},
        LinkCase{"a..b.com", {{"b.com", 3, false}}},
        LinkCase{"«evil.com» “evil.org”", {{"evil.com", 2, false}, {"evil.org", 16, false}}},
        LinkCase{"👉evil.com", {{"evil.com", 4, false}}},
        LinkCase{"foo.txt", {{"foo.txt", 0, false}}}));

INSTANTIATE_TEST_SUITE_P(
    Defanged, ExtractLinks,
    ::testing::Values(
        LinkCase{"hxxp://evil[.]com/x", {{"http://evil.com/x", 0, true}}},
        LinkCase{"HXXPS://evil(.)com", {{"https://evil.com", 0, true}}},
        LinkCase{"http[:]//evil[dot]com/a", {{"http://evil.com/a", 0, true}}},
        LinkCase{"hxxps[://]evil{.}com", {{"https://evil.com", 0, true}}},
        LinkCase{"evil[.]com and evil(.)org/p and evil[DOT]net",
                 {{"evil.com", 0, false}, {"evil.org/p", 15, false}, {"evil.net", 32, false}}},
        LinkCase{"1[.]2[.]3[.]4", {{"1.2.3.4", 0, false}}},
        LinkCase{"hxxp://evil[.]com[.]", {{"http://evil.com", 0, true}}}));

INSTANTIATE_TEST_SUITE_P(
    Cjk, ExtractLinks,
    ::testing::Values(LinkCase{"请登录abc.com获取", {{"abc.com", 9, false}}},
                      LinkCase{"点击http://abc.cn/x领取", {{"http://abc.cn/x", 6, true}}},
                      LinkCase{"访问abc.com。谢谢", {{"abc.com", 6, false}}},
                      LinkCase{"谢谢。abc.com", {{"abc.com", 9, false}}},
                      LinkCase{"例子.中国", {{"例子.中国", 0, false}}},
                      LinkCase{"见https://zh.wikipedia.org/wiki/中国，谢谢",
                               {{"https://zh.wikipedia.org/wiki/中国", 3, true}}},
                      LinkCase{"abc。com", {{"abc。com", 0, false}}},
                      LinkCase{"我很好。谢谢。例子。中国", {}},
                      LinkCase{"http://abc.com。谢谢", {{"http://abc.com", 0, true}}}));

// The quick look never says "no link" where the scanner finds one: random text over the
// characters that make links (dots of every kind, defanged forms, schemes, sentence ends).
TEST(ExtractLinks, QuickLookNeverMissesALink) {
  const std::string_view pieces[] = {"a",
                                     "b",
                                     "example",
                                     "com",
                                     "org",
                                     "1",
                                     "192",
                                     " ",
                                     ".",
                                     "..",
                                     ":",
                                     "//",
                                     "/",
                                     "-",
                                     "_",
                                     "[",
                                     "]",
                                     "(",
                                     ")",
                                     "{",
                                     "}",
                                     "dot",
                                     "DoT",
                                     "hxxp",
                                     "https",
                                     "www",
                                     "\xE3\x80\x82",
                                     "\xEF\xBC\x8E",
                                     "\xEF\xBD\xA1",
                                     "\xD0\xBF",
                                     "@",
                                     "!",
                                     ",",
                                     "\n"};
  std::mt19937 rng(11);
  std::size_t with_links = 0, without = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string text;
    const std::size_t count = 1 + rng() % 12;
    for (std::size_t k = 0; k < count; ++k) text += pieces[rng() % std::size(pieces)];
    const bool found = !extract_links(text).empty();
    if (found) ++with_links;
    if (!may_contain_link(text)) ++without;
    ASSERT_TRUE(!found || may_contain_link(text)) << text;
  }
  // Both kinds of text were met, many times.
  EXPECT_GT(with_links, 5000u);
  EXPECT_GT(without, 10000u);
  EXPECT_FALSE(may_contain_link("Model rescue pepper door badge shape logic prairie horse ocean."));
  EXPECT_TRUE(may_contain_link("see example[dot]com"));
}

TEST(ExtractLinks, OffsetsPointAtTheLink) {
  std::string text = "Ваш код: 1234. Перейдите: https://bank-secure.example/login?u=1 (срочно)";
  auto links = extract_links(text);
  ASSERT_EQ(links.size(), 1u);
  EXPECT_TRUE(links[0].has_scheme);
  EXPECT_EQ(text.substr(links[0].offset, links[0].text.size()), links[0].text);
}

TEST(ExtractLinks, FindsShortenerAndMapsLinks) {
  auto links = links_in("Meet here goo.gl/maps/example or bit.ly/3xYz! t.co/Ab");
  std::vector<Found> expected = {
      {"goo.gl/maps/example", 10, false}, {"bit.ly/3xYz", 33, false}, {"t.co/Ab", 46, false}};
  EXPECT_EQ(links, expected);
}

TEST(ExtractLinks, IsBoundedAndLinear) {
  std::string many;
  for (int i = 0; i < 20000; ++i) many += "a.com ";
  EXPECT_EQ(extract_links(many).size(), 10000u);

  // Pathological inputs must stay fast (each is ~1 MB).
  const std::vector<std::string> nasty = {
      std::string(1 << 20, 'a'),
      std::string(1 << 20, '.'),
      [] {
        std::string s;
        while (s.size() < (1u << 20)) s += "a.";
        return s;
      }(),
      [] {
        std::string s;
        while (s.size() < (1u << 20)) s += "a+";
        return s;
      }(),
      [] {
        std::string s;
        while (s.size() < (1u << 20)) s += "a[.]";
        return s;
      }(),
      [] {
        std::string s;
        while (s.size() < (1u << 20)) s += "a请";
        return s;
      }(),
      "http://" + std::string(1 << 20, '('),
      [] {
        std::string s;
        while (s.size() < (1u << 20)) s += "x://";
        return s;
      }(),
  };
  auto start = std::chrono::steady_clock::now();
  for (const std::string& text : nasty) {
    auto links = extract_links(text);
    for (const auto& link : links) EXPECT_LT(link.offset, text.size());
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(std::chrono::duration_cast<std::chrono::seconds>(elapsed).count(), 20);
}

TEST(ExtractLinks, SurvivesInvalidUtf8AndNul) {
  std::string text("\xff\xfe evil.com\0 http://x.org/\xc3", 28);
  auto links = links_in(text);
  std::vector<Found> expected = {{"evil.com", 3, false}, {"http://x.org/\xc3", 13, true}};
  EXPECT_EQ(links, expected);
}

}  // namespace
}  // namespace vigil::core
