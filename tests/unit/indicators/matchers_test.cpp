// Matching semantics (docs/matching.md), each with its near-misses.
#include <gtest/gtest.h>

#include "indicators/indicator_set.hpp"

namespace vigil::indicators {
namespace {

class Matchers : public ::testing::Test {
 protected:
  void SetUp() override {
    source_ = set_.add_source(SourceFile{.path = "test.stix2", .origin = "cli"});
    add(IocType::domain, "badsite.com");
    add(IocType::domain, "Sub.Example.COM.");
    add(IocType::domain, "bücher.example");
    add(IocType::domain, "198.51.100.1");  // an IP published as a domain
    add(IocType::ipv4, "203.0.113.0/24");
    add(IocType::ipv6, "2001:DB8::1");
    add(IocType::url, "http://example.com/thisisbad");
    add(IocType::url, "https://evil.org/path?a=1");
    add(IocType::process, "Launch");
    add(IocType::process, "com.apple.WebKit.Networking");  // 27 bytes: truncated by kernels
    add(IocType::process, "bh");
    add(IocType::email, "FooBar@Example.org");
    add(IocType::file_name, "libtools.dylib");
    add(IocType::file_name, "/var/foobar/txt");
    add(IocType::file_path, "/private/var/tmp/hooker");
    add(IocType::file_path, "/data/local/tmp/wd/");
    add(IocType::sha256, "570CD76BF49CF52E0CB347A68BDCF0590B2EAECE134E1B1EBA7E8D66261BDBE6");
    add(IocType::sha1, "da0611a300a9ce9aa7a09d1212f203fca5856794");
    add(IocType::md5, "d41d8cd98f00b204e9800998ecf8427e");
    add(IocType::app_id, "com.Spy.App");
    add(IocType::app_cert, "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01");
    add(IocType::profile, "76DAB334-7E17-475D-A5D6-0794EB5818A5");
    add(IocType::android_property, "sys.foobar");
    set_.finalize();
  }

  void add(IocType type, const std::string& value) {
    auto added =
        set_.add(type, value,
                 {Attribution{source_, AttributionKind::malware, "TestMalware", "indicator--x"}});
    ASSERT_TRUE(added.stored_as) << value << ": " << added.problem;
  }

  static std::vector<std::string> values(const std::vector<Match>& matches) {
    std::vector<std::string> out;
    for (const auto& m : matches) out.push_back(m.indicator->value);
    return out;
  }

  IndicatorSet set_;
  std::uint32_t source_ = 0;
};

TEST_F(Matchers, DomainExactAndParentsOnly) {
  EXPECT_EQ(values(set_.match_domain("badsite.com")), std::vector<std::string>{"badsite.com"});
  EXPECT_EQ(values(set_.match_domain("a.b.badsite.com")), std::vector<std::string>{"badsite.com"});
  EXPECT_TRUE(set_.match_domain("a.b.badsite.com")[0].parent_domain);
  EXPECT_EQ(set_.match_domain("BADSITE.COM.").size(), 1u);
  for (const char* miss : {"notbadsite.com", "badsite.com.evil.net", "badsite.co", "adsite.com",
                           "badsite", "com", "badsite.comm", "xbadsite.com"})
    EXPECT_TRUE(set_.match_domain(miss).empty()) << miss;
  // An IOC that is itself a subdomain matches below it (MVT does not), never above it.
  EXPECT_EQ(set_.match_domain("a.sub.example.com").size(), 1u);
  EXPECT_TRUE(set_.match_domain("example.com").empty());
  EXPECT_NE(set_.find_domain("x.y.badsite.com"), nullptr);
  EXPECT_EQ(set_.find_domain("notbadsite.com"), nullptr);
  EXPECT_EQ(set_.find_domain("Sub.Example.com")->value, "sub.example.com");
}

TEST_F(Matchers, IdnDomainsMatchInEitherForm) {
  EXPECT_EQ(set_.match_domain("xn--bcher-kva.example").size(), 1u);
  EXPECT_EQ(set_.match_domain("www.BÜCHER.example").size(), 1u);
  EXPECT_EQ(set_.match_url("https://bücher.example/x").matches.size(), 1u);
  EXPECT_TRUE(set_.match_domain("bucher.example").empty());
}

TEST_F(Matchers, IpAddressesExactAndCidr) {
  EXPECT_EQ(set_.match_ip("198.51.100.1").size(), 1u);
  EXPECT_TRUE(set_.match_ip("198.51.100.10").empty());
  EXPECT_TRUE(set_.match_ip("11.198.51.100").empty());
  EXPECT_EQ(set_.match_ip("203.0.113.77").size(), 1u);
  EXPECT_TRUE(set_.match_ip("203.0.114.1").empty());
  EXPECT_EQ(set_.match_ip("2001:db8:0:0::1").size(), 1u);
  EXPECT_TRUE(set_.match_ip("2001:db8::2").empty());
  // MVT's substring fallback would flag these: IOC 198.51.100.1 inside another address.
  EXPECT_TRUE(set_.match_url("http://198.51.100.10/").matches.empty());
  EXPECT_TRUE(set_.match_url("http://1198.51.100.1/").matches.empty());
  EXPECT_EQ(set_.match_url("https://198.51.100.1:8080/").matches.size(), 1u);
  EXPECT_EQ(set_.match_url("http://[2001:db8::1]/x").matches.size(), 1u);
}

// MVT's test_check_url cases, with vigil's answers.
TEST_F(Matchers, MvtUrlCases) {
  EXPECT_EQ(set_.match_url("http://example.com/thisisbad").matches.size(), 1u);
  EXPECT_TRUE(set_.match_url("http://example.com/thisisgood").matches.empty());
  EXPECT_TRUE(set_.match_url("https://example.com/").matches.empty());
  EXPECT_TRUE(set_.match_url("https://github.com").matches.empty());
  EXPECT_TRUE(set_.match_url("https://1.1.1.1/").matches.empty());
  EXPECT_TRUE(set_.match_url("").matches.empty());
}

TEST_F(Matchers, UrlsAreNormalisedBeforeComparison) {
  EXPECT_EQ(set_.match_url("HTTP://EXAMPLE.COM/thisisbad").matches.size(), 1u);
  EXPECT_EQ(set_.match_url("http://example.com:80/thisisbad").matches.size(), 1u);
  EXPECT_EQ(set_.match_url("http://example.com/thisisbad#frag").matches.size(), 1u);
  EXPECT_EQ(set_.match_url("http://example.com/%74hisisbad").matches.size(), 1u);
  EXPECT_TRUE(set_.match_url("http://example.com/THISISBAD").matches.empty());  // paths keep case
  EXPECT_EQ(set_.match_url("https://evil.org/path?a=1").matches.size(), 1u);
  EXPECT_TRUE(set_.match_url("https://evil.org/path?a=2").matches.empty());
  // Hosts of URLs match as domains, with userinfo and ports out of the way.
  EXPECT_EQ(set_.match_url("https://user:pw@login.badsite.com:8443/x").matches.size(), 1u);
  EXPECT_TRUE(set_.match_url("https://badsite.com@good.org/").matches.empty());
  EXPECT_EQ(set_.match_url("https://good.org@badsite.com/").matches.size(), 1u);
  EXPECT_EQ(set_.match_url("badsite.com/landing").matches.size(), 1u);
}

TEST_F(Matchers, ShortenedLinksAreFlaggedNotResolvedOffline) {
  auto check = set_.match_url("https://bit.ly/3abcDEF");
  EXPECT_TRUE(check.shortened);
  EXPECT_TRUE(check.matches.empty());
  EXPECT_FALSE(check.expanded);
  EXPECT_FALSE(set_.match_url("https://goo.gl/maps/example").shortened);
  int calls = 0;
  auto resolved = set_.match_url("https://bit.ly/3abcDEF", [&](const std::string& url) {
    ++calls;
    EXPECT_EQ(url, "https://bit.ly/3abcDEF");
    return std::optional<std::string>("https://www.badsite.com/landing");
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(resolved.expanded, "https://www.badsite.com/landing");
  EXPECT_EQ(resolved.matches.size(), 1u);
  auto not_short = set_.match_url("https://example.net/", [&](const std::string&) {
    ADD_FAILURE() << "resolver called for a link that is not shortened";
    return std::optional<std::string>();
  });
  EXPECT_FALSE(not_short.shortened);
}

TEST_F(Matchers, FreeTextExtractsLinksNeverSubstrings) {
  auto found = set_.match_text(
      "Your parcel is waiting: https://track.badsite.com/p?id=1. Or visit badsite.com, thanks!");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].link, "https://track.badsite.com/p?id=1");
  EXPECT_EQ(found[1].link, "badsite.com");
  EXPECT_TRUE(set_.match_text("notbadsite.com and mybadsite.community are fine").empty());
  EXPECT_TRUE(set_.match_text("write to someone@badsite.company").empty());
  auto defanged = set_.match_text("hxxps://badsite[.]com/x");
  ASSERT_EQ(defanged.size(), 1u);
  auto shortened = set_.match_text("see https://bit.ly/abc");
  ASSERT_EQ(shortened.size(), 1u);
  EXPECT_TRUE(shortened[0].check.shortened);
}

TEST_F(Matchers, ProcessNamesExactBasenameAndExplicitTruncation) {
  EXPECT_EQ(set_.match_process("Launch").size(), 1u);
  EXPECT_EQ(set_.match_process("/usr/libexec/Launch").size(), 1u);
  EXPECT_TRUE(set_.match_process("launch").empty());
  EXPECT_TRUE(set_.match_process("Launchd").empty());
  EXPECT_TRUE(set_.match_process("Launc").empty());
  EXPECT_TRUE(set_.match_process("/usr/libexec/Launch/x").empty());
  EXPECT_EQ(set_.match_process("bh").size(), 1u);
  EXPECT_TRUE(set_.match_process("bhd").empty());
  // 16 bytes on iOS, 15 on Android: only a name of exactly that length may be truncated.
  auto ios = set_.match_process("com.apple.WebKi", Platform::android);
  ASSERT_EQ(ios.size(), 1u);
  EXPECT_TRUE(ios[0].truncated);
  EXPECT_EQ(set_.match_process("com.apple.WebKit", Platform::ios).size(), 1u);
  EXPECT_TRUE(set_.match_process("com.apple.WebKit", Platform::android).empty());
  EXPECT_TRUE(set_.match_process("com.apple.WebKi", Platform::ios).empty());
  EXPECT_TRUE(set_.match_process("com.apple.Web").empty());
  EXPECT_TRUE(set_.match_process("com.apple.WebKix").empty());
}

TEST_F(Matchers, FilePathsOnComponentBoundaries) {
  EXPECT_EQ(set_.match_file_path("/private/var/tmp/hooker").size(), 1u);
  EXPECT_EQ(set_.match_file_path("/var/tmp/hooker").size(), 1u);  // /var is /private/var on iOS
  EXPECT_EQ(set_.match_file_path("/private/var/tmp/hooker/payload").size(), 1u);
  EXPECT_TRUE(set_.match_file_path("/private/var/tmp/hooker2").empty());
  EXPECT_TRUE(set_.match_file_path("/private/var/tmp/hook").empty());
  EXPECT_TRUE(set_.match_file_path("/private/var/tmp").empty());
  EXPECT_TRUE(set_.match_file_path("/x/private/var/tmp/hooker").empty());
  EXPECT_EQ(set_.match_file_path("/data/local/tmp/wd").size(), 1u);
  EXPECT_EQ(set_.match_file_path("/data/local/tmp/wd/fs.db").size(), 1u);
  EXPECT_TRUE(set_.match_file_path("/data/local/tmp/wdx").empty());
  // File-name indicators match the basename exactly.
  EXPECT_EQ(set_.match_file_path("/usr/lib/libtools.dylib").size(), 1u);
  EXPECT_EQ(set_.match_file_name("libtools.dylib").size(), 1u);
  EXPECT_TRUE(set_.match_file_name("libtools.dylib.bak").empty());
  EXPECT_TRUE(set_.match_file_name("LIBTOOLS.dylib").empty());
  EXPECT_EQ(set_.match_file_path("/var/foobar/txt").size(), 1u);  // a path published as a name
}

TEST_F(Matchers, HashesByLengthCaseInsensitive) {
  EXPECT_EQ(
      set_.match_hash("570cd76bf49cf52e0cb347a68bdcf0590b2eaece134e1b1eba7e8d66261bdbe6").size(),
      1u);
  EXPECT_EQ(set_.match_hash("DA0611A300A9CE9AA7A09D1212F203FCA5856794").size(), 1u);
  EXPECT_EQ(set_.match_hash("d41d8cd98f00b204e9800998ecf8427e").size(), 1u);
  EXPECT_TRUE(
      set_.match_hash("003764fd74bf13cff9bf1ddd870cbf593b23e2b584ba4465114023870ea6fbef").empty());
  EXPECT_TRUE(
      set_.match_hash("570cd76bf49cf52e0cb347a68bdcf0590b2eaece134e1b1eba7e8d66261bdbe").empty());
  EXPECT_TRUE(set_.match_hash("d41d8cd98f00b204e9800998ecf8427").empty());
  EXPECT_TRUE(set_.match_hash("zz").empty());
}

TEST_F(Matchers, ExactCaseInsensitiveKinds) {
  EXPECT_EQ(set_.match_email("foobar@example.org").size(), 1u);
  EXPECT_EQ(set_.match_email("mailto:FOOBAR@example.ORG").size(), 1u);
  EXPECT_TRUE(set_.match_email("xfoobar@example.org").empty());
  EXPECT_TRUE(set_.match_email("foobar@example.org.uk").empty());
  EXPECT_EQ(set_.match_app_id("com.spy.app").size(), 1u);
  EXPECT_TRUE(set_.match_app_id("com.spy.app2").empty());
  EXPECT_TRUE(set_.match_app_id("com.spy").empty());
  EXPECT_EQ(set_.match_app_cert("abcdef0123456789abcdef0123456789abcdef01").size(), 1u);
  EXPECT_TRUE(set_.match_app_cert("abcdef0123456789abcdef0123456789abcdef02").empty());
  EXPECT_EQ(set_.match_profile("76dab334-7e17-475d-a5d6-0794eb5818a5").size(), 1u);
  // MVT's reverse-substring test would match this fragment of the UUID.
  EXPECT_TRUE(set_.match_profile("76DAB334-7E17").empty());
  EXPECT_EQ(set_.match_android_property("sys.foobar").size(), 1u);
  EXPECT_TRUE(set_.match_android_property("sys.soundsokay").empty());
  EXPECT_TRUE(set_.match_android_property("sys.foobar2").empty());
}

TEST(IndicatorSetLoad, RefusesOrLimitsValuesThatWouldMatchTooMuch) {
  IndicatorSet set;
  auto source = set.add_source(SourceFile{.path = "x", .origin = "cli"});
  Attribution who{source, AttributionKind::file, "x", "indicator--1"};
  auto single = set.add(IocType::domain, "despachosnegocios", {who});  // in predator.stix2
  EXPECT_EQ(single.stored_as, IocType::domain);
  EXPECT_NE(single.problem.find("never as a parent domain"), std::string::npos);
  EXPECT_TRUE(set.add(IocType::domain, "com", {who}).stored_as);
  EXPECT_FALSE(set.add(IocType::domain, "", {who}).stored_as);
  EXPECT_FALSE(set.add(IocType::domain, "not a domain", {who}).stored_as);
  EXPECT_FALSE(set.add(IocType::sha256, "1234", {who}).stored_as);
  auto url_as_domain = set.add(IocType::domain, "https://evil.com/x", {who});
  EXPECT_EQ(url_as_domain.stored_as, IocType::domain);
  EXPECT_FALSE(url_as_domain.problem.empty());
  auto sha1_as_sha256 = set.add(IocType::sha256, "da0611a300a9ce9aa7a09d1212f203fca5856794", {who});
  EXPECT_EQ(sha1_as_sha256.stored_as, IocType::sha1);
  set.finalize();
  EXPECT_EQ(set.size(), 4u);
  EXPECT_EQ(set.match_domain("despachosnegocios").size(), 1u);
  EXPECT_TRUE(set.match_domain("www.despachosnegocios").empty());
  EXPECT_TRUE(set.match_domain("example.com").empty()) << "a 'com' indicator is never a parent";
}

}  // namespace
}  // namespace vigil::indicators
