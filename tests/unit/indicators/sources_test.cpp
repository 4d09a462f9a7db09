#include "indicators/sources.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "core/hash.hpp"
#include "indicators/bundled.hpp"
#include "support/test_support.hpp"

namespace vigil::indicators {
namespace {

using vigil::test::TempDir;
using vigil::test::write_file;

std::string one_domain_bundle(const std::string& domain) {
  return R"({"type":"bundle","objects":[{"type":"indicator","id":"indicator--1","pattern":"[domain-name:value = ')" +
         domain + R"(']"}]})";
}

// Points $HOME/$XDG_DATA_HOME and the STIX2 variables at a scratch folder for one test.
class Environment {
 public:
  explicit Environment(const std::filesystem::path& root) {
    for (const char* name : {"XDG_DATA_HOME", "HOME", "VIGIL_STIX2", "MVT_STIX2"}) {
      const char* value = std::getenv(name);
      saved_.emplace_back(name, value ? std::optional<std::string>(value) : std::nullopt);
    }
    setenv("XDG_DATA_HOME", (root / "xdg").c_str(), 1);
    setenv("HOME", (root / "home").c_str(), 1);
    unsetenv("VIGIL_STIX2");
    unsetenv("MVT_STIX2");
  }
  ~Environment() {
    for (const auto& [name, value] : saved_) {
      if (value)
        setenv(name.c_str(), value->c_str(), 1);
      else
        unsetenv(name.c_str());
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST(Sources, BundledSnapshotLoadsCleanly) {
  TempDir tmp;
  Environment env(tmp.path());
  LoadReport report;
  auto set = load_indicators(IocOptions{}, report);
  EXPECT_TRUE(report.errors.empty()) << report.errors.front();
  ASSERT_EQ(set.sources().size(), bundled_files().size());
  ASSERT_EQ(bundled_files().size(), 17u);
  std::size_t values = 0;
  for (const auto& source : set.sources()) {
    EXPECT_TRUE(source.path.starts_with("bundled:")) << source.path;
    EXPECT_EQ(source.origin, "bundled");
    EXPECT_FALSE(source.error);
    values += source.indicators;
  }
  // The digests computed at build time are the bytes' (a duplicate is recognised by them).
  for (const auto& file : bundled_files())
    EXPECT_EQ(file.sha256, core::sha256_hex(file.data)) << file.path;
  // Amnesty 4,272 + stalkerware 5,046 + mvt-indicators 1,441 published values.
  EXPECT_EQ(values, 4272u + 5046u + 1441u);
  EXPECT_FALSE(set.match_domain("free247downloads.com").empty()) << "a Pegasus domain (Amnesty)";
}

TEST(Sources, BundledCopiesAreByteIdenticalToTheirOrigin) {
  VIGIL_REQUIRE_SHARED();
  for (const auto& file : bundled_files()) {
    EXPECT_EQ(file.data, vigil::test::read_file(vigil::test::shared_dir() / "iocs" / file.path))
        << file.path;
    EXPECT_FALSE(file.licence.empty());
    EXPECT_TRUE(std::string(file.downloaded_as).ends_with(".stix2"));
  }
}

TEST(Sources, OrderAndOriginsOfEverySource) {
  TempDir tmp;
  Environment env(tmp.path());
  write_file(tmp.path() / "cli.stix2", one_domain_bundle("cli.example"));
  write_file(tmp.path() / "folder/a/one.json", one_domain_bundle("one.example"));
  write_file(tmp.path() / "folder/b/two.stix2", one_domain_bundle("two.example"));
  write_file(tmp.path() / "folder/b/readme.txt", "not an IOC file");
  write_file(tmp.path() / "folder/b/other.json", R"({"iocs": []})");
  write_file(tmp.path() / "vigil-env.stix2", one_domain_bundle("vigil-env.example"));
  write_file(tmp.path() / "mvt-env.stix2", one_domain_bundle("mvt-env.example"));
  write_file(tmp.path() / "xdg/vigil/indicators/user.stix2", one_domain_bundle("user.example"));
  setenv("VIGIL_STIX2", (tmp.path() / "vigil-env.stix2").c_str(), 1);
  setenv("MVT_STIX2", ("::" + (tmp.path() / "mvt-env.stix2").string()).c_str(), 1);

  IocOptions options;
  options.paths = {(tmp.path() / "cli.stix2").string(), (tmp.path() / "folder").string()};
  options.bundled = false;
  LoadReport report;
  auto set = load_indicators(options, report);
  EXPECT_TRUE(report.errors.empty()) << report.errors.front();
  ASSERT_EQ(report.notes.size(), 1u);
  EXPECT_NE(report.notes[0].find("other.json: not a STIX 2 bundle"), std::string::npos);
  std::vector<std::pair<std::string, std::string>> seen;
  for (const auto& s : set.sources())
    if (!s.error) seen.emplace_back(std::filesystem::path(s.path).filename().string(), s.origin);
  EXPECT_EQ(seen, (std::vector<std::pair<std::string, std::string>>{{"cli.stix2", "cli"},
                                                                    {"one.json", "cli"},
                                                                    {"two.stix2", "cli"},
                                                                    {"vigil-env.stix2", "env"},
                                                                    {"mvt-env.stix2", "env"},
                                                                    {"user.stix2", "user"}}));
  for (const char* domain : {"cli.example", "one.example", "two.example", "vigil-env.example",
                             "mvt-env.example", "user.example"})
    EXPECT_EQ(set.match_domain(domain).size(), 1u) << domain;
}

TEST(Sources, BadFilesAreErrorsAndTheRestStillLoads) {
  TempDir tmp;
  Environment env(tmp.path());
  write_file(tmp.path() / "good.stix2", one_domain_bundle("good.example"));
  write_file(tmp.path() / "broken.stix2", R"({"type":"bundle","objects":[)");
  IocOptions options;
  options.paths = {(tmp.path() / "broken.stix2").string(), (tmp.path() / "missing.stix2").string(),
                   (tmp.path() / "good.stix2").string()};
  options.bundled = false;
  LoadReport report;
  auto set = load_indicators(options, report);
  ASSERT_EQ(report.errors.size(), 2u);
  EXPECT_NE(report.errors[0].find("broken.stix2: invalid JSON at line 1"), std::string::npos)
      << report.errors[0];
  EXPECT_NE(report.errors[1].find("missing.stix2: no such file or folder"), std::string::npos);
  EXPECT_EQ(set.match_domain("good.example").size(), 1u);
}

TEST(Sources, IdenticalFilesLoadOnceAndDownloadsSupersedeTheBundledCopy) {
  TempDir tmp;
  Environment env(tmp.path());
  write_file(tmp.path() / "a.stix2", one_domain_bundle("same.example"));
  write_file(tmp.path() / "b.stix2", one_domain_bundle("same.example"));
  const BundledFile& candiru = [] {
    for (const auto& f : bundled_files())
      if (f.path == "mvt-indicators/candiru/candiru.stix2") return f;
    throw std::runtime_error("candiru not bundled");
  }();
  write_file(tmp.path() / "xdg/vigil/indicators" / candiru.downloaded_as,
             one_domain_bundle("newer-candiru.example"));
  IocOptions options;
  options.paths = {(tmp.path() / "a.stix2").string(), (tmp.path() / "b.stix2").string()};
  LoadReport report;
  auto set = load_indicators(options, report);
  EXPECT_TRUE(report.errors.empty());
  std::size_t superseded = 0, duplicate = 0;
  for (const auto& note : report.notes) {
    if (note.find("superseded by the downloaded") != std::string::npos) ++superseded;
    if (note.find("same content as") != std::string::npos) ++duplicate;
  }
  EXPECT_EQ(superseded, 1u);
  EXPECT_EQ(duplicate, 1u);
  EXPECT_EQ(set.sources().size(), 1u + 1u + bundled_files().size() - 1u);
  EXPECT_EQ(set.match_domain("newer-candiru.example").size(), 1u);
}

TEST(Sources, UserFolderFollowsXdgThenHome) {
  TempDir tmp;
  Environment env(tmp.path());
  EXPECT_EQ(user_indicators_dir(), tmp.path() / "xdg/vigil/indicators");
  unsetenv("XDG_DATA_HOME");
  EXPECT_EQ(user_indicators_dir(), tmp.path() / "home/.local/share/vigil/indicators");
}

}  // namespace
}  // namespace vigil::indicators
