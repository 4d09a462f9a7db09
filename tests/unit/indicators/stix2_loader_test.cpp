#include "indicators/stix2_loader.hpp"

#include <gtest/gtest.h>

#include <map>

#include "support/test_support.hpp"

namespace vigil::indicators {
namespace {

using vigil::test::read_file;
using vigil::test::shared_dir;

struct Loaded {
  IndicatorSet set;
  std::optional<std::string> error;
  const SourceFile& file() const { return set.sources().front(); }
  std::size_t by_type(IocType t) const { return file().by_type[index_of(t)]; }
};

Loaded load_bytes(const std::string& bytes, const std::string& name = "test.stix2") {
  Loaded out;
  auto source = out.set.add_source(SourceFile{.path = name, .origin = "cli"});
  out.error = load_stix2(bytes, source, out.set);
  out.set.finalize();
  return out;
}

Loaded load_path(const std::filesystem::path& path) {
  return load_bytes(read_file(path), path.string());
}

std::string bundle(const std::string& objects) {
  return R"({"type":"bundle","id":"bundle--x","objects":[)" + objects + "]}";
}

std::string indicator(const std::string& id, const std::string& pattern) {
  return R"({"type":"indicator","id":")" + id + R"(","pattern_type":"stix","pattern":")" + pattern +
         R"("})";
}

std::string malware(const std::string& id, const std::string& name) {
  return R"({"type":"malware","id":")" + id + R"(","name":")" + name + R"("})";
}

std::string indicates(const std::string& from, const std::string& to) {
  return R"({"type":"relationship","id":"relationship--)" + from +
         R"(","relationship_type":"indicates","source_ref":")" + from + R"(","target_ref":")" + to +
         R"("})";
}

// MVT's generated test file (spec §8.1): 9 indicators of 9 kinds under one malware.
TEST(Stix2Loader, MvtGeneratedTestFile) {
  VIGIL_REQUIRE_SHARED();
  auto loaded = load_path(shared_dir() / "corpus/mvt-tests/stix2/mvt-test-generated.stix2");
  ASSERT_FALSE(loaded.error) << *loaded.error;
  EXPECT_EQ(loaded.file().indicators, 9u);
  EXPECT_EQ(loaded.set.size(), 9u);
  EXPECT_TRUE(loaded.file().warnings.empty());
  // MVT puts the IPv4 among its domains (domains 2); vigil keeps it apart as an ipv4.
  EXPECT_EQ(loaded.set.count(IocType::domain), 1u);
  EXPECT_EQ(loaded.set.count(IocType::ipv4), 1u);
  for (IocType t : {IocType::process, IocType::file_name, IocType::email, IocType::android_property,
                    IocType::sha256, IocType::sha1, IocType::url})
    EXPECT_EQ(loaded.set.count(t), 1u) << to_string(t);
  for (const auto& indicator : loaded.set.indicators()) {
    ASSERT_EQ(indicator.attributions.size(), 1u);
    EXPECT_EQ(indicator.attributions[0].name, "TestMalware");
    EXPECT_EQ(indicator.attributions[0].kind, AttributionKind::malware);
  }
}

TEST(Stix2Loader, MvtCytroxFile) {
  VIGIL_REQUIRE_SHARED();
  auto loaded = load_path(shared_dir() / "corpus/mvt-tests/stix2/cytrox.stix2");
  ASSERT_FALSE(loaded.error);
  EXPECT_EQ(loaded.file().indicators, 343u);
  EXPECT_EQ(loaded.by_type(IocType::domain), 336u);
  EXPECT_EQ(loaded.by_type(IocType::file_path), 6u);
  EXPECT_EQ(loaded.by_type(IocType::profile), 1u);
  EXPECT_EQ(loaded.set.indicators().front().attributions.front().name, "Predator");
  EXPECT_EQ(loaded.file().date, "2023-07-28");
  EXPECT_FALSE(loaded.set.match_profile("76DAB334-7E17-475D-A5D6-0794EB5818A5").empty());
  EXPECT_FALSE(loaded.set.match_file_path("/private/var/tmp/hooker").empty());
}

// The OTX export: a report lists 69 indicators (spaces around '='), no relationships.
TEST(Stix2Loader, OtxExportAttributesToTheReport) {
  VIGIL_REQUIRE_SHARED();
  auto loaded = load_path(shared_dir() / "corpus/mvt-tests/stix2/638cd3ee5e5f019f84f9e0ea.json");
  ASSERT_FALSE(loaded.error);
  EXPECT_EQ(loaded.file().indicators, 69u);
  EXPECT_EQ(loaded.by_type(IocType::domain), 15u);
  EXPECT_EQ(loaded.by_type(IocType::url), 54u);
  for (const auto& indicator : loaded.set.indicators())
    EXPECT_EQ(indicator.attributions.at(0).kind, AttributionKind::report);
  EXPECT_FALSE(loaded.set.match_url("https://accountsecurities.org/16tPqQC").matches.empty());
}

// Every STIX 2.x file under ../shared/iocs loads, with the per-type counts of its README.
TEST(Stix2Loader, EveryPublishedFeedMatchesTheReadmeCounts) {
  VIGIL_REQUIRE_SHARED();
  using Counts = std::map<IocType, std::size_t>;
  const std::map<std::string, Counts> expected = {
      {"amnestytech-investigations/2021-07-18_nso/pegasus.stix2",
       {{IocType::domain, 1438},
        {IocType::process, 81},
        {IocType::email, 29},
        {IocType::file_name, 1}}},
      {"amnestytech-investigations/2021-12-16_cytrox/cytrox.stix2",
       {{IocType::domain, 336}, {IocType::file_path, 6}, {IocType::profile, 1}}},
      {"amnestytech-investigations/2023-03-29_android_campaign/malware.stix2",
       {{IocType::domain, 2183}, {IocType::android_property, 3}, {IocType::file_path, 1}}},
      {"amnestytech-investigations/2024-05-02_wintego_helios/wintego_helios.stix2",
       {{IocType::domain, 175}}},
      {"amnestytech-investigations/2024-12-16_serbia_novispy/novispy.stix2",
       {{IocType::domain, 7}, {IocType::app_id, 4}, {IocType::sha256, 4}, {IocType::app_cert, 3}}},
      {"assoechap-stalkerware-indicators/generated/stalkerware.stix2",
       {{IocType::sha256, 2910},
        {IocType::domain, 1447},
        {IocType::app_id, 590},
        {IocType::app_cert, 99}}},
      {"cisco-talos-iocs/2023/05/mercenary-intellexa-predator.json",
       {{IocType::domain, 300}, {IocType::sha256, 1}, {IocType::url, 1}}},
      {"cisco-talos-iocs/2023/10/arid-viper-mobile-spyware.json",
       {{IocType::sha256, 15}, {IocType::domain, 10}, {IocType::url, 6}}},
      {"mvt-indicators/2022-06-23_rcs_lab/rcs.stix2",
       {{IocType::domain, 26}, {IocType::sha256, 9}, {IocType::app_id, 5}}},
      {"mvt-indicators/2023-04-11_quadream/kingspawn.stix2",
       {{IocType::domain, 164}, {IocType::file_path, 2}, {IocType::process, 1}}},
      {"mvt-indicators/2023-06_01_operation_triangulation/operation_triangulation.stix2",
       {{IocType::domain, 75}, {IocType::email, 36}, {IocType::process, 1}}},
      {"mvt-indicators/2023-07-25_wyrmspy_dragonegg/wyrmspy_dragonegg.stix2",
       {{IocType::sha256, 34}, {IocType::domain, 7}, {IocType::app_id, 7}, {IocType::ipv4, 5}}},
      {"mvt-indicators/2024-12-25_eaglemsgspy/eaglemsgspy.stix2",
       {{IocType::sha256, 25}, {IocType::domain, 13}, {IocType::ipv4, 13}}},
      {"mvt-indicators/2026-03-03_coruna_cryptowaters/coruna.stix2",
       {{IocType::domain, 177},
        {IocType::sha256, 20},
        {IocType::file_path, 12},
        {IocType::file_name, 7}}},
      {"mvt-indicators/2026-03-30_darksword/darksword.stix2",
       {{IocType::file_path, 22},
        {IocType::domain, 10},
        {IocType::file_name, 7},
        {IocType::ipv4, 3},
        {IocType::sha256, 1}}},
      {"mvt-indicators/ResidentBat/residentbat.stix2",
       {{IocType::ipv4, 24}, {IocType::app_id, 8}, {IocType::app_cert, 8}, {IocType::sha256, 8}}},
      {"mvt-indicators/candiru/candiru.stix2", {{IocType::domain, 125}}},
      {"mvt-indicators/cellebrite/cellebrite.stix2", {{IocType::app_id, 1}}},
      {"mvt-indicators/intellexa_predator/predator.stix2",
       {{IocType::domain, 569}, {IocType::file_path, 15}, {IocType::profile, 1}}},
  };
  for (const auto& [relative, counts] : expected) {
    SCOPED_TRACE(relative);
    auto loaded = load_path(shared_dir() / "iocs" / relative);
    ASSERT_FALSE(loaded.error) << *loaded.error;
    std::size_t total = 0;
    for (IocType t : kAllIocTypes) {
      auto it = counts.find(t);
      EXPECT_EQ(loaded.by_type(t), it == counts.end() ? 0u : it->second) << to_string(t);
      total += it == counts.end() ? 0u : it->second;
    }
    EXPECT_EQ(loaded.file().indicators, total);
  }
}

TEST(Stix2Loader, StalkerwareRepeatsAreOneIndicatorWithSeveralAttributions) {
  VIGIL_REQUIRE_SHARED();
  auto loaded =
      load_path(shared_dir() / "iocs/assoechap-stalkerware-indicators/generated/stalkerware.stix2");
  ASSERT_FALSE(loaded.error);
  EXPECT_EQ(loaded.file().indicators, 5046u);
  EXPECT_LT(loaded.set.size(), 5046u);  // 173 patterns repeat another's
  std::size_t multi = 0;
  std::set<std::string> names;
  for (const auto& indicator : loaded.set.indicators()) {
    if (indicator.attributions.size() > 1) ++multi;
    for (const auto& a : indicator.attributions) names.insert(a.name);
  }
  EXPECT_GT(multi, 0u);
  EXPECT_GT(names.size(), 100u);  // 137 malware objects (apps), nearly all with indicators
}

TEST(Stix2Loader, NovispyIpv4InDomainNameIsAnIp) {
  VIGIL_REQUIRE_SHARED();
  auto loaded = load_path(
      shared_dir() / "iocs/amnestytech-investigations/2024-12-16_serbia_novispy/novispy.stix2");
  ASSERT_FALSE(loaded.error);
  EXPECT_EQ(loaded.by_type(IocType::domain), 7u);  // as published
  EXPECT_EQ(loaded.set.count(IocType::ipv4), 7u);  // as matched
  EXPECT_EQ(loaded.set.count(IocType::domain), 0u);
}

TEST(Stix2Loader, WintegoRelationshipToMissingObjectIsAWarning) {
  VIGIL_REQUIRE_SHARED();
  auto loaded =
      load_path(shared_dir() /
                "iocs/amnestytech-investigations/2024-05-02_wintego_helios/wintego_helios.stix2");
  ASSERT_FALSE(loaded.error);
  EXPECT_EQ(loaded.file().indicators, 175u);
  ASSERT_EQ(loaded.file().warnings.size(), 1u);
  EXPECT_EQ(loaded.file().warnings[0],
            "relationship relationship--d29f595a-fb78-4141-8099-2f7a7414bc31 refers to "
            "indicator--3eaf5002-09aa-476c-be2a-281a95b33f1a, which is not in the file");
}

// The date the report shows with a feed: the newest created/modified day of its objects.
TEST(Stix2Loader, FeedDateIsTheNewestObjectDay) {
  auto loaded = load_bytes(
      bundle(R"({"type":"malware","id":"malware--a","name":"A","created":"2021-07-18T00:00:00Z",)"
             R"("modified":"2023-01-02T03:04:05Z"},)"
             R"({"type":"indicator","id":"indicator--b","created":"2022-05-05T00:00:00.000Z",)"
             R"("pattern_type":"stix","pattern":"[domain-name:value = 'example.com']"},)"
             R"({"type":"report","id":"report--c","modified":"not a date at all"})"));
  ASSERT_FALSE(loaded.error);
  EXPECT_EQ(loaded.file().date, "2023-01-02");
  EXPECT_EQ(
      load_bytes(bundle(indicator("indicator--d", "[domain-name:value = 'a.b']"))).file().date, "");
}

TEST(Stix2Loader, NonBundlesAreClearErrors) {
  VIGIL_REQUIRE_SHARED();
  auto misp =
      load_path(shared_dir() / "iocs/citizenlab-malware-indicators/201909_MissingLink/misp.json");
  ASSERT_TRUE(misp.error);
  EXPECT_EQ(*misp.error, "not a STIX 2 bundle: no \"objects\" array");
}

TEST(Stix2Loader, MalformedJsonNamesThePosition) {
  auto loaded =
      load_bytes("{\"type\": \"bundle\",\n  \"objects\": [\n    {\"type\": \"indicator\",}\n]}");
  ASSERT_TRUE(loaded.error);
  EXPECT_TRUE(loaded.error->starts_with("invalid JSON at line 3, column 26")) << *loaded.error;
  auto truncated = load_bytes(R"({"type":"bundle","objects":[)");
  ASSERT_TRUE(truncated.error);
  EXPECT_TRUE(truncated.error->starts_with("invalid JSON at line 1")) << *truncated.error;
  EXPECT_TRUE(load_bytes("").error);
  EXPECT_EQ(*load_bytes("[1]").error,
            "not a STIX 2 bundle: the top-level JSON value is not an object");
}

TEST(Stix2Loader, AttributionRules) {
  auto loaded = load_bytes(
      bundle(
          malware("malware--a", "Alpha") + "," + malware("malware--b", "Beta") + "," +
          R"({"type":"report","id":"report--r","name":"Report R","object_refs":["indicator--2"]},)" +
          indicator("indicator--1", "[domain-name:value = 'evil.com']") + "," +
          indicator("indicator--2", "[domain-name:value = 'report.com']") + "," +
          indicator("indicator--3", "[domain-name:value = 'orphan.com']") + "," +
          indicator("indicator--4", "[domain-name:value = 'evil.com']") + "," +
          indicates("indicator--1", "malware--a") + "," + indicates("indicator--1", "malware--b") +
          "," + indicates("indicator--4", "malware--a")),
      "feeds/my-feed.stix2");
  ASSERT_FALSE(loaded.error);
  EXPECT_EQ(loaded.file().indicators, 4u);
  EXPECT_EQ(loaded.set.size(), 3u);
  auto evil = loaded.set.match_domain("evil.com");
  ASSERT_EQ(evil.size(), 1u);
  ASSERT_EQ(evil[0].indicator->attributions.size(), 2u);  // Alpha once, Beta once
  EXPECT_EQ(evil[0].indicator->attributions[0].name, "Alpha");
  EXPECT_EQ(evil[0].indicator->attributions[1].name, "Beta");
  auto report = loaded.set.match_domain("report.com");
  ASSERT_EQ(report.size(), 1u);
  EXPECT_EQ(report[0].indicator->attributions[0].name, "Report R");
  auto orphan = loaded.set.match_domain("orphan.com");
  ASSERT_EQ(orphan.size(), 1u);
  EXPECT_EQ(orphan[0].indicator->attributions[0].kind, AttributionKind::file);
  EXPECT_EQ(orphan[0].indicator->attributions[0].name, "my-feed");
}

TEST(Stix2Loader, UnsupportedAndBadIndicatorsAreWarningsNamingTheId) {
  auto loaded = load_bytes(bundle(
      indicator("indicator--and", "[file:name = 'x' AND file:size = 3]") + "," +
      indicator("indicator--ok", "[domain-name:value = 'fine.com']") + "," +
      indicator("indicator--net", "[network-traffic:dst_port = '443']") + "," +
      indicator("indicator--bad", "[domain-name:value = 'not a domain']") + "," +
      indicator("indicator--eq", "[url:value = 'https://x.com/?a=b']") + "," +
      R"({"type":"indicator","id":"indicator--yara","pattern_type":"yara","pattern":"rule x {}"},)" +
      R"({"type":"indicator","id":"indicator--revoked","revoked":true,"pattern":"[domain-name:value = 'old.com']"},)" +
      R"({"type":"indicator","id":"indicator--nopattern"})"));
  ASSERT_FALSE(loaded.error);
  EXPECT_EQ(loaded.set.size(), 2u);
  const auto& warnings = loaded.file().warnings;
  ASSERT_EQ(warnings.size(), 6u);
  auto has = [&](const std::string& needle) {
    for (const auto& w : warnings)
      if (w.find(needle) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(has("indicator indicator--and: unsupported: AND inside an observation"));
  EXPECT_TRUE(has("indicator indicator--net: no matcher for network-traffic:dst_port"));
  EXPECT_TRUE(
      has("indicator indicator--bad: domain-name:value 'not a domain': not a valid domain name; "
          "skipped"));
  EXPECT_TRUE(has("indicator--yara has pattern_type \"yara\""));
  EXPECT_TRUE(has("indicator--revoked is revoked"));
  EXPECT_TRUE(has("indicator--nopattern has no pattern"));
}

TEST(Stix2Loader, HashKeySpellings) {
  // MVT's test_parse_stix2_hash_key_variants.
  const std::string md5 = "d41d8cd98f00b204e9800998ecf8427e";
  const std::string sha1 = "da0611a300a9ce9aa7a09d1212f203fca5856794";
  const std::string sha256 = "570cd76bf49cf52e0cb347a68bdcf0590b2eaece134e1b1eba7e8d66261bdbe6";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"'SHA-256'", sha256}, {"SHA-256", sha256}, {"SHA256", sha256}, {"sha256", sha256},
      {"'SHA-1'", sha1},     {"SHA-1", sha1},     {"SHA1", sha1},     {"sha1", sha1},
      {"MD5", md5},          {"'MD5'", md5},      {"md5", md5}};
  for (const auto& [key, value] : cases) {
    SCOPED_TRACE(key);
    std::string pattern = "[file:hashes." + key + " = '" + value + "']";
    std::string escaped;
    for (char c : pattern) escaped += c;
    auto loaded = load_bytes(bundle(indicator("indicator--1", escaped)));
    ASSERT_FALSE(loaded.error);
    ASSERT_EQ(loaded.set.size(), 1u)
        << (loaded.file().warnings.empty() ? "" : loaded.file().warnings[0]);
    EXPECT_EQ(loaded.set.match_hash(value).size(), 1u);
    std::string upper = value;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(loaded.set.match_hash(upper).size(), 1u);
  }
}

TEST(Stix2Loader, Stix20BundleWithSpecVersionLoads) {
  auto loaded = load_bytes(R"({"type":"bundle","id":"bundle--1","spec_version":"2.0","objects":[)" +
                           indicator("indicator--1", "[domain-name:value = 'x.org']") + "]}");
  ASSERT_FALSE(loaded.error);
  EXPECT_EQ(loaded.set.size(), 1u);
}

TEST(Stix2Loader, ValidateRefusesErrorPagesAndEmptyBundles) {
  EXPECT_TRUE(validate_stix2("<html>404 Not Found</html>"));
  EXPECT_TRUE(validate_stix2(R"({"type":"bundle","objects":[]})"));
  EXPECT_FALSE(validate_stix2(bundle(indicator("indicator--1", "[domain-name:value = 'x.org']"))));
}

// MVT #906: a value containing '=' (a URL query, a base64 tail) made MVT's loader split the
// pattern wrongly and abort the whole load. vigil loads it whole and matches it.
TEST(Stix2Loader, Issue906ValueContainingEqualsLoadsAndMatches) {
  auto loaded = load_bytes(
      bundle(indicator("indicator--1", "[url:value = 'https://evil.example/x?a=1&b==2']") + "," +
             indicator("indicator--2", "[file:name = 'payload==.bin']")));
  ASSERT_FALSE(loaded.error) << *loaded.error;
  EXPECT_EQ(loaded.set.size(), 2u);
  EXPECT_FALSE(loaded.set.match_url("https://evil.example/x?a=1&b==2").matches.empty());
}

// Issue 6: a STIX2 file nested 100k deep is one clear error (simdjson's depth limit), and the
// indicators of the other files still load.
TEST(Stix2Loader, NestedHundredThousandDeepIsAnError) {
  std::string deep = "{\"type\": \"bundle\", \"objects\": " + std::string(100000, '[') +
                     std::string(100000, ']') + "}";
  IndicatorSet set;
  auto source = set.add_source(SourceFile{.path = "deep.stix2", .origin = "cli"});
  auto error = load_stix2(deep, source, set);
  ASSERT_TRUE(error);
  EXPECT_FALSE(error->empty());
  EXPECT_TRUE(validate_stix2(deep));
}

}  // namespace
}  // namespace vigil::indicators
