#include <gtest/gtest.h>

#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "net/ioc_update.hpp"
#include "support/test_support.hpp"

namespace vigil::net {
namespace {

constexpr const char* kMirror = "https://mirror.example/raw";
constexpr const char* kMissingUrl = "Could not find a way to download indicator file for ";

std::string github_entry(const std::string& name, const std::string& owner, const std::string& repo,
                         const std::string& path, const std::string& branch = "main") {
  std::string yaml = "  - type: github\n    name: " + name +
                     "\n    github:\n      owner: " + owner + "\n      repo: " + repo +
                     "\n      path: \"" + path + "\"\n";
  if (!branch.empty()) yaml += "      branch: " + branch + "\n";
  return yaml;
}

std::string url_entry(const std::string& name, const std::string& url) {
  return "  - type: download\n    name: " + name + "\n    download_url: \"" + url + "\"\n";
}

// Every local name must be a plain file name inside the destination folder.
void expect_safe_name(const std::string& name) {
  EXPECT_FALSE(name.empty());
  EXPECT_EQ(name.find('/'), std::string::npos) << name;
  EXPECT_EQ(name.find('\\'), std::string::npos) << name;
  EXPECT_NE(name, ".");
  EXPECT_NE(name, "..");
  EXPECT_NE(name.front(), '.') << name;
  EXPECT_TRUE(name.ends_with(".stix2")) << name;
  EXPECT_LE(name.size(), 255u);
  for (char c : name) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    EXPECT_TRUE(allowed) << name;
  }
}

TEST(IocIndexTest, RealIndexListsFifteenFiles) {
  VIGIL_REQUIRE_SHARED();
  const std::string yaml =
      test::read_file(test::shared_dir() / "iocs" / "mvt-indicators" / "indicators.yaml");
  std::vector<std::string> errors;
  // A trailing slash on the mirror must not double up.
  const auto entries = parse_index(yaml, std::string(kMirror) + "/", errors);
  ASSERT_TRUE(entries.has_value());
  EXPECT_TRUE(errors.empty()) << errors.front();
  ASSERT_EQ(entries->size(), 15u);

  const IndexEntry& pegasus = entries->front();
  EXPECT_EQ(pegasus.name, "NSO Group Pegasus Indicators of Compromise");
  EXPECT_EQ(pegasus.url,
            "https://mirror.example/raw/AmnestyTech/investigations/master/2021-07-18_nso/"
            "pegasus.stix2");
  EXPECT_EQ(pegasus.file_name, "AmnestyTech_investigations_2021-07-18_nso_pegasus.stix2");

  const IndexEntry& stalkerware = (*entries)[3];
  EXPECT_EQ(stalkerware.url,
            "https://mirror.example/raw/AssoEchap/stalkerware-indicators/master/generated/"
            "stalkerware.stix2");
  EXPECT_EQ(stalkerware.file_name, "AssoEchap_stalkerware-indicators_generated_stalkerware.stix2");

  const IndexEntry& candiru = (*entries)[10];
  EXPECT_EQ(candiru.name, "Candiru (DevilsTongue) Indicators of Compromise");
  EXPECT_EQ(candiru.url,
            "https://mirror.example/raw/mvt-project/mvt-indicators/main/candiru/candiru.stix2");
  EXPECT_EQ(candiru.file_name, "mvt-project_mvt-indicators_candiru_candiru.stix2");

  std::set<std::string> names;
  std::set<std::string> urls;
  for (const IndexEntry& entry : *entries) {
    expect_safe_name(entry.file_name);
    EXPECT_TRUE(entry.url.starts_with(std::string(kMirror) + "/")) << entry.url;
    names.insert(entry.file_name);
    urls.insert(entry.url);
  }
  EXPECT_EQ(names.size(), 15u);
  EXPECT_EQ(urls.size(), 15u);
}

TEST(IocIndexTest, DefaultRawBaseIsGitHub) {
  std::vector<std::string> errors;
  const auto entries = parse_index("indicators:\n" + github_entry("X", "o", "r", "a/b.stix2", ""),
                                   kDefaultRawBase, errors);
  ASSERT_TRUE(entries.has_value());
  ASSERT_EQ(entries->size(), 1u);
  // No branch given: "main".
  EXPECT_EQ(entries->front().url, "https://raw.githubusercontent.com/o/r/main/a/b.stix2");
  EXPECT_EQ(entries->front().file_name, "o_r_a_b.stix2");
}

TEST(IocIndexTest, EntryWithoutUsableUrlIsReportedAndOthersKept) {
  const std::string yaml =
      "indicators:\n" + github_entry("Good", "o", "r", "good.stix2") +
      "  - type: github\n    name: No Path\n    github:\n      owner: o\n"
      "      repo: r\n" +
      "  - type: download\n    name: No Url\n" + url_entry("Bad Scheme", "file:///etc/passwd") +
      github_entry("Traversal", "..", "r", "x.stix2") +
      github_entry("Traversal Path", "o", "r", "a/../../b.stix2") + "  - just a string\n" +
      url_entry("Good Url", "http://h.example/f.stix2");
  std::vector<std::string> errors;
  const auto entries = parse_index(yaml, kMirror, errors);
  ASSERT_TRUE(entries.has_value());
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].name, "Good");
  EXPECT_EQ((*entries)[1].name, "Good Url");
  EXPECT_EQ(errors, (std::vector<std::string>{
                        std::string(kMissingUrl) + "No Path",
                        std::string(kMissingUrl) + "No Url",
                        std::string(kMissingUrl) + "Bad Scheme",
                        std::string(kMissingUrl) + "Traversal",
                        std::string(kMissingUrl) + "Traversal Path",
                        std::string(kMissingUrl) + "entry #7",
                    }));
}

TEST(IocIndexTest, MalformedYamlIsAnError) {
  std::vector<std::string> errors;
  EXPECT_FALSE(parse_index("indicators: [unclosed\n  - {", kMirror, errors).has_value());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("not valid YAML"), std::string::npos) << errors[0];
}

TEST(IocIndexTest, EmptyOrListlessDocumentIsAnError) {
  for (const char* text : {"", "   \n", "foo: bar\n", "indicators: 5\n", "indicators:\n",
                           "- indicators\n", "indicators: {a: b}\n", "<html>404</html>"}) {
    std::vector<std::string> errors;
    EXPECT_FALSE(parse_index(text, kMirror, errors).has_value()) << text;
    EXPECT_EQ(errors.size(), 1u) << text;
  }
}

TEST(IocIndexTest, EmptyListIsValid) {
  std::vector<std::string> errors;
  const auto entries = parse_index("indicators: []\n", kMirror, errors);
  ASSERT_TRUE(entries.has_value());
  EXPECT_TRUE(entries->empty());
  EXPECT_TRUE(errors.empty());
}

TEST(IocIndexTest, WrongTypesNeverThrow) {
  const std::string yaml =
      "indicators:\n"
      "  - type: github\n    name: [a, list]\n    github:\n      owner: [o]\n      repo: r\n"
      "      path: p.stix2\n"
      "  - type: github\n    name: Map Github\n    github: just-a-string\n"
      "  - type: [github]\n    name: Odd Type\n    download_url: {a: b}\n"
      "  - ~\n";
  std::vector<std::string> errors;
  const auto entries = parse_index(yaml, kMirror, errors);
  ASSERT_TRUE(entries.has_value());
  EXPECT_TRUE(entries->empty());
  EXPECT_EQ(errors, (std::vector<std::string>{
                        std::string(kMissingUrl) + "entry #1",
                        std::string(kMissingUrl) + "Map Github",
                        std::string(kMissingUrl) + "Odd Type",
                        std::string(kMissingUrl) + "entry #4",
                    }));
  errors.clear();
  EXPECT_FALSE(parse_index("indicators:\n  - *undefined_alias\n", kMirror, errors).has_value());
  EXPECT_EQ(errors.size(), 1u);
}

TEST(IocIndexTest, DuplicateUrlsAreKeptOnce) {
  const std::string yaml = "indicators:\n" + github_entry("A", "o", "r", "x.stix2") +
                           github_entry("A again", "o", "r", "x.stix2") +
                           url_entry("A by URL", std::string(kMirror) + "/o/r/main/x.stix2") +
                           github_entry("B", "o", "r", "y.stix2");
  std::vector<std::string> errors;
  const auto entries = parse_index(yaml, kMirror, errors);
  ASSERT_TRUE(entries.has_value());
  EXPECT_TRUE(errors.empty());
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].name, "A");
  EXPECT_EQ((*entries)[1].name, "B");
}

TEST(IocIndexTest, DownloadUrlNamesUseHostAndLastSegment) {
  const std::string yaml =
      "indicators:\n" + url_entry("1", "https://Example.COM:8443/path/to/iocs.stix2?x=1#frag") +
      url_entry("2", "https://user@h.example/feed") + url_entry("3", "http://h.example/") +
      url_entry("4", "https://h.example/x/iocs.stix2") +
      url_entry("5", "https://h.example/y/iocs.stix2") + url_entry("6", "http://[::1]:80/a.json");
  std::vector<std::string> errors;
  const auto entries = parse_index(yaml, kMirror, errors);
  ASSERT_TRUE(entries.has_value());
  EXPECT_TRUE(errors.empty());
  std::vector<std::string> names;
  for (const IndexEntry& entry : *entries) names.push_back(entry.file_name);
  EXPECT_EQ(names, (std::vector<std::string>{
                       "example.com_iocs.stix2",
                       "h.example_feed.stix2",
                       "h.example_indicators.stix2",
                       "h.example_iocs.stix2",
                       "h.example_iocs-2.stix2",  // a different URL never shares a file
                       "1_a.json.stix2",
                   }));
  EXPECT_EQ((*entries)[1].url, "https://user@h.example/feed");  // used as given
}

TEST(IocIndexTest, GitHubPathsArePercentEncoded) {
  std::vector<std::string> errors;
  const auto entries = parse_index(
      "indicators:\n" + github_entry("S", "o", "r", "dir with space/f#1?.stix2", "feature/x"),
      kMirror, errors);
  ASSERT_TRUE(entries.has_value());
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ(entries->front().url,
            "https://mirror.example/raw/o/r/feature/x/dir%20with%20space/f%231%3F.stix2");
  EXPECT_EQ(entries->front().file_name, "o_r_dirwithspace_f1.stix2");
}

TEST(IocIndexTest, HostileNamesStayInsideTheFolder) {
  for (const auto& [owner, repo, path] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"..", "..", "../../etc/passwd"},
           {"../../x", "", ""},
           {"", "", ""},
           {".", ".", "."},
           {"...", "", "/"},
           {"a\\b", "c\0d", "..\\..\\win.ini"},
           {"", "", ".stix2"},
           {"", "", std::string(1000, 'a')},
           {"\xff\xfe", "\n", "\t../"},
       }) {
    expect_safe_name(local_name_for_github(owner, repo, path));
  }
  const std::string yaml = "indicators:\n" + url_entry("1", "https://evil.example/a/..") +
                           url_entry("2", "https://evil.example/..%2F..%2Fetc%2Fpasswd") +
                           url_entry("3", "https://../../") + url_entry("4", "https://h/.stix2") +
                           url_entry("5", "https://%2e%2e/x");
  std::vector<std::string> errors;
  const auto entries = parse_index(yaml, kMirror, errors);
  ASSERT_TRUE(entries.has_value());
  for (const IndexEntry& entry : *entries) expect_safe_name(entry.file_name);
  EXPECT_EQ(entries->size() + errors.size(), 5u);
}

TEST(IocIndexTest, LocalNameForGitHubMatchesTheDocumentedForm) {
  EXPECT_EQ(local_name_for_github("mvt-project", "mvt-indicators", "candiru/candiru.stix2"),
            "mvt-project_mvt-indicators_candiru_candiru.stix2");
  EXPECT_EQ(local_name_for_github("o", "r", "iocs.json"), "o_r_iocs.json.stix2");
}

// Issue 6: an index nested 100k deep (flow and block style) is one clear error, not a stack
// overflow (yaml-cpp guards its recursion and throws; parse_index turns that into the error).
TEST(IocIndex, NestedHundredThousandDeepIsAnError) {
  for (const std::string& yaml :
       {"indicators: " + std::string(100000, '[') + std::string(100000, ']'), "indicators:\n" + [] {
          std::string block;
          for (int i = 0; i < 100000; ++i) block += std::string(std::size_t(i % 200), ' ') + "- \n";
          return block;
        }()}) {
    std::vector<std::string> errors;
    auto entries = parse_index(yaml, kMirror, errors);
    if (entries) {
      EXPECT_TRUE(entries->empty());
    }
    EXPECT_FALSE(errors.empty());
  }
}

}  // namespace
}  // namespace vigil::net
