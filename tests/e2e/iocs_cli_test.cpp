// The `vigil iocs …` commands as a script or an analyst runs them: exit codes and JSON shapes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "e2e/run_vigil.hpp"
#include "support/test_support.hpp"

namespace {

using nlohmann::json;
using vigil::test::CliRun;
using vigil::test::json_lines;
using vigil::test::run_vigil;
using vigil::test::TempDir;

TEST(IocsCli, StatsJsonOnTheBundledSnapshot) {
  TempDir home;
  CliRun run = run_vigil("iocs stats --json", home.path());
  ASSERT_EQ(run.status, 0) << run.out;
  json stats = json::parse(run.out);
  EXPECT_EQ(stats["files"].size(), 17u);
  std::size_t sum = 0;
  for (const auto& [type, n] : stats["by_type"].items()) sum += n.get<std::size_t>();
  EXPECT_EQ(sum, stats["indicators"].get<std::size_t>());
  for (const auto& file : stats["files"]) {
    for (const char* key : {"path", "indicators", "by_type", "warnings"})
      EXPECT_TRUE(file.contains(key)) << key;
  }
  EXPECT_EQ(stats["files"][0]["path"],
            "bundled:amnestytech-investigations/2021-07-18_nso/pegasus.stix2");
  EXPECT_EQ(stats["files"][0]["by_type"],
            json::parse(R"({"domain":1438,"process":81,"email":29,"file-name":1})"));
}

TEST(IocsCli, StatsOnTheMvtTestFilesMatchTheOracle) {
  VIGIL_REQUIRE_SHARED();
  TempDir home;
  auto dir = vigil::test::shared_dir() / "corpus/mvt-tests/stix2";
  CliRun run =
      run_vigil("iocs stats --json --no-bundled-iocs --iocs '" + dir.string() + "'", home.path());
  ASSERT_EQ(run.status, 0) << run.out;
  json stats = json::parse(run.out);
  ASSERT_EQ(stats["files"].size(), 3u);
  std::map<std::string, std::size_t> per_file;
  for (const auto& file : stats["files"])
    per_file[std::filesystem::path(file["path"].get<std::string>()).filename().string()] =
        file["indicators"].get<std::size_t>();
  EXPECT_EQ(per_file["mvt-test-generated.stix2"], 9u);
  EXPECT_EQ(per_file["cytrox.stix2"], 343u);
  EXPECT_EQ(per_file["638cd3ee5e5f019f84f9e0ea.json"], 69u);
}

TEST(IocsCli, CheckJsonOneLinePerValueAndExitStatus) {
  VIGIL_REQUIRE_SHARED();
  TempDir home;
  auto ioc = vigil::test::shared_dir() / "corpus/mvt-tests/stix2/mvt-test-generated.stix2";
  std::string base = "iocs check --json --no-bundled-iocs --iocs '" + ioc.string() + "' ";
  CliRun hit =
      run_vigil(base + "--exit-code https://www.example.org/foobar github.com 198.51.100.1 Launch",
                home.path());
  ASSERT_EQ(hit.status, 1) << hit.out;
  auto lines = json_lines(hit.out);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0]["value"], "https://www.example.org/foobar");
  ASSERT_EQ(lines[0]["matches"].size(), 1u);
  EXPECT_EQ(lines[0]["matches"][0]["type"], "domain");
  EXPECT_EQ(lines[0]["matches"][0]["indicator"], "example.org");
  EXPECT_EQ(lines[0]["matches"][0]["malware"], json::array({"TestMalware"}));
  EXPECT_EQ(lines[0]["matches"][0]["source"], ioc.string());
  EXPECT_TRUE(lines[1]["matches"].empty());
  EXPECT_EQ(lines[2]["matches"][0]["type"], "ipv4");
  EXPECT_EQ(lines[3]["matches"][0]["type"], "process");

  EXPECT_EQ(run_vigil(base + "https://www.example.org/foobar", home.path()).status, 0)
      << "without --exit-code a match is still a success";
  CliRun clean = run_vigil(base + "--exit-code github.com", home.path());
  EXPECT_EQ(clean.status, 0);
  CliRun typed = run_vigil(base + "--exit-code --type domain Launch", home.path());
  EXPECT_EQ(typed.status, 0) << "--type domain must not match a process indicator";
}

TEST(IocsCli, CheckFindsBundledPegasusIndicators) {
  TempDir home;
  CliRun run = run_vigil(
      "iocs check --exit-code --json free247downloads.com "
      "/private/var/db/com.apple.xpc.roleaccountd.staging/bh",
      home.path());
  ASSERT_EQ(run.status, 1) << run.out;
  auto lines = json_lines(run.out);
  ASSERT_EQ(lines.size(), 2u);
  ASSERT_FALSE(lines[0]["matches"].empty());
  EXPECT_EQ(lines[0]["matches"][0]["source"],
            "bundled:amnestytech-investigations/2021-07-18_nso/pegasus.stix2");
}

TEST(IocsCli, BrokenIocFileIsOneClearErrorAndExit4) {
  TempDir home;
  vigil::test::write_file(home.path() / "bad.stix2", "{\"type\": \"bundle\", \"objects\": [}");
  CliRun run = run_vigil(
      "iocs stats --no-bundled-iocs --iocs '" + (home.path() / "bad.stix2").string() + "'",
      home.path(), true);
  EXPECT_EQ(run.status, 4);
  EXPECT_NE(run.out.find("bad.stix2: invalid JSON at line 1, column 32 (byte 31)"),
            std::string::npos)
      << run.out;
}

TEST(IocsCli, UsageErrorsExit2) {
  TempDir home;
  EXPECT_EQ(run_vigil("iocs check", home.path()).status, 2);
  EXPECT_EQ(run_vigil("iocs check --type nonsense x", home.path()).status, 2);
  EXPECT_EQ(run_vigil("no-such-command", home.path()).status, 2);
}

TEST(IocsCli, ListIsSortedAndFiltered) {
  TempDir home;
  CliRun run = run_vigil("iocs list --type profile --json", home.path());
  ASSERT_EQ(run.status, 0);
  auto lines = json_lines(run.out);
  ASSERT_EQ(lines.size(), 1u);  // Cytrox and Predator publish the same profile UUID
  EXPECT_EQ(lines[0]["type"], "profile");
  EXPECT_EQ(lines[0]["sources"].size(), 2u);
}

}  // namespace
