// download_iocs end to end against the loopback server, with the real index and STIX2 files from
// ../shared laid out as a raw.githubusercontent.com mirror.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "net/ioc_update.hpp"
#include "net_test_helpers.hpp"
#include "support/http_server.hpp"
#include "support/test_support.hpp"

namespace vigil::net {
namespace {

namespace fs = std::filesystem;

constexpr const char* kIndexPath = "/mvt-project/mvt-indicators/main/indicators.yaml";
constexpr const char* kCandiruPath = "/mvt-project/mvt-indicators/main/candiru/candiru.stix2";
constexpr const char* kCellebritePath =
    "/mvt-project/mvt-indicators/main/cellebrite/cellebrite.stix2";
constexpr const char* kMissingPath = "/mvt-project/mvt-indicators/main/not-in-shared/missing.stix2";

// Appended to the real index: a file that ../shared lacks, so the mirror answers 404 for it.
constexpr const char* kMissingEntry = R"(
  -
    type: github
    name: Not In Shared
    github:
      owner: mvt-project
      repo: mvt-indicators
      branch: main
      path: not-in-shared/missing.stix2
)";

// Stand-in for the STIX2 loader (wired in by the CLI): a JSON object that says it is a bundle.
std::optional<std::string> looks_like_bundle(const std::string& bytes) {
  const std::size_t first = bytes.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || bytes[first] != '{') return "not a JSON object";
  if (bytes.find("\"type\": \"bundle\"") == std::string::npos) return "no bundle type";
  return std::nullopt;
}

// test::read_file goes byte by byte, slow for megabytes under the sanitizers.
std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return std::move(bytes).str();
}

std::vector<std::string> hidden_files(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& item : fs::directory_iterator(folder)) {
    const std::string name = item.path().filename().string();
    if (name.starts_with(".")) names.push_back(name);
  }
  return names;
}

class IocDownloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    test::clear_proxy_environment();
    if (!test::have_shared()) GTEST_SKIP() << "needs ../shared (the IOC feeds)";
    const fs::path iocs = test::shared_dir() / "iocs";
    const std::map<std::string, std::string> folders = {
        {"mvt-project/mvt-indicators", "mvt-indicators"},
        {"AmnestyTech/investigations", "amnestytech-investigations"},
        {"AssoEchap/stalkerware-indicators", "assoechap-stalkerware-indicators"},
    };
    const std::string index = slurp(iocs / "mvt-indicators" / "indicators.yaml");
    const YAML::Node root = YAML::Load(index);
    for (const YAML::Node& entry : root["indicators"]) {
      const YAML::Node github = entry["github"];
      const std::string owner = github["owner"].as<std::string>();
      const std::string repo = github["repo"].as<std::string>();
      const std::string path = github["path"].as<std::string>();
      const std::string url_path =
          "/" + owner + "/" + repo + "/" + github["branch"].as<std::string>("main") + "/" + path;
      const auto folder = folders.find(owner + "/" + repo);
      if (folder == folders.end() || !fs::is_regular_file(iocs / folder->second / path)) {
        missing_.push_back(url_path);  // not in ../shared: the mirror answers 404
        continue;
      }
      const std::string bytes = slurp(iocs / folder->second / path);
      test::write_file(mirror_.path() / url_path.substr(1), bytes);
      served_[local_name_for_github(owner, repo, path)] = bytes;
    }
    missing_.push_back(kMissingPath);  // kMissingEntry
    listed_ = served_.size() + missing_.size();
    test::write_file(mirror_.path() / fs::path(kIndexPath).relative_path(), index + kMissingEntry);
    options_.index_url = server_.url() + kIndexPath;
    options_.raw_base = server_.url();
    options_.destination = destination_.path() / "nested" / "indicators";
    options_.validate = looks_like_bundle;
    options_.http.timeout = std::chrono::seconds{30};
  }

  // Every file of the mirror written, byte-identical; only the absent ones failed.
  void expect_complete(const DownloadResult& result) {
    ASSERT_TRUE(result.errors.empty()) << result.errors.front();
    ASSERT_EQ(result.files.size(), listed_);
    std::size_t failed = 0;
    for (const DownloadResult::File& file : result.files) {
      if (!file.error.empty()) {
        ++failed;
        EXPECT_NE(file.error.find("404"), std::string::npos) << file.error;
        EXPECT_FALSE(file.updated);
        EXPECT_FALSE(fs::exists(file.path)) << file.path;
        continue;
      }
      EXPECT_EQ(file.path.parent_path(), options_.destination);
      ASSERT_TRUE(served_.contains(file.path.filename().string())) << file.path;
      EXPECT_EQ(slurp(file.path), served_.at(file.path.filename().string()));
    }
    EXPECT_EQ(failed, missing_.size());
    EXPECT_TRUE(hidden_files(options_.destination).empty());
  }

  const DownloadResult::File& file_named(const DownloadResult& result, const std::string& name) {
    for (const DownloadResult::File& file : result.files)
      if (file.path.filename() == name) return file;
    ADD_FAILURE() << "no result for " << name;
    return result.files.front();
  }

  test::TempDir mirror_;
  test::TempDir destination_;
  test::HttpServer server_{mirror_.path()};
  DownloadOptions options_;
  std::map<std::string, std::string> served_;  // local name -> bytes
  std::vector<std::string> missing_;
  std::size_t listed_ = 0;
};

constexpr const char* kCandiru = "mvt-project_mvt-indicators_candiru_candiru.stix2";
constexpr const char* kCellebrite = "mvt-project_mvt-indicators_cellebrite_cellebrite.stix2";

TEST_F(IocDownloadTest, DownloadsEveryListedFileByteIdentical) {
  EXPECT_EQ(served_.size(), 15u) << "the real index lists 15 files, all in ../shared";
  const DownloadResult result = download_iocs(options_);
  expect_complete(result);
  EXPECT_FALSE(result.ok());  // the entry missing from the mirror
  std::size_t updated = 0;
  for (const DownloadResult::File& file : result.files) updated += file.updated ? 1u : 0u;
  EXPECT_EQ(updated, served_.size());
  EXPECT_EQ(file_named(result, kCandiru).url, server_.url() + kCandiruPath);
  EXPECT_EQ(file_named(result, kCandiru).name, "Candiru (DevilsTongue) Indicators of Compromise");
  // One GET for the index and one per listed file, nothing else.
  EXPECT_EQ(server_.requests().size(), 1 + listed_);
}

TEST_F(IocDownloadTest, OkWhenEveryFileDownloads) {
  server_.set_body(kMissingPath, served_.at(kCellebrite));
  const DownloadResult result = download_iocs(options_);
  EXPECT_TRUE(result.ok());
  EXPECT_TRUE(
      fs::exists(options_.destination / "mvt-project_mvt-indicators_not-in-shared_missing.stix2"));
}

TEST_F(IocDownloadTest, SecondRunChangesNothing) {
  expect_complete(download_iocs(options_));
  const fs::path candiru = options_.destination / kCandiru;
  const auto written_at = fs::last_write_time(candiru);
  const DownloadResult again = download_iocs(options_);
  expect_complete(again);
  for (const DownloadResult::File& file : again.files) EXPECT_FALSE(file.updated) << file.name;
  EXPECT_EQ(fs::last_write_time(candiru), written_at);
}

TEST_F(IocDownloadTest, ChangedFileIsReplacedAndServerErrorKeepsOldFile) {
  expect_complete(download_iocs(options_));
  expect_complete(download_iocs(options_));
  const std::string old_candiru = served_.at(kCandiru);
  // Third run: candiru's mirror fails, cellebrite changed upstream.
  server_.set_status(kCandiruPath, 500);
  const std::string new_cellebrite = served_.at(kCellebrite) + "\n";
  server_.set_body(kCellebritePath, new_cellebrite);
  const DownloadResult third = download_iocs(options_);
  EXPECT_TRUE(third.errors.empty());
  const DownloadResult::File& candiru = file_named(third, kCandiru);
  EXPECT_FALSE(candiru.updated);
  EXPECT_NE(candiru.error.find("500"), std::string::npos) << candiru.error;
  EXPECT_EQ(slurp(options_.destination / kCandiru), old_candiru);
  const DownloadResult::File& cellebrite = file_named(third, kCellebrite);
  EXPECT_TRUE(cellebrite.updated) << cellebrite.error;
  EXPECT_EQ(slurp(options_.destination / kCellebrite), new_cellebrite);
  EXPECT_TRUE(hidden_files(options_.destination).empty());
}

TEST_F(IocDownloadTest, InvalidContentIsNeverWritten) {
  server_.set_body(kCandiruPath, "<html>rate limited</html>");
  const DownloadResult first = download_iocs(options_);
  const DownloadResult::File& rejected = file_named(first, kCandiru);
  EXPECT_TRUE(rejected.error.starts_with("not a valid STIX2 bundle: ")) << rejected.error;
  EXPECT_FALSE(rejected.updated);
  EXPECT_FALSE(fs::exists(options_.destination / kCandiru));
  EXPECT_TRUE(file_named(first, kCellebrite).updated);

  // With a good copy on disk, a later bad download leaves it alone.
  server_.clear_route(kCandiruPath);
  ASSERT_TRUE(file_named(download_iocs(options_), kCandiru).updated);
  server_.set_body(kCandiruPath, "{\"type\": \"not-a-bundle\"}");
  const DownloadResult third = download_iocs(options_);
  EXPECT_FALSE(file_named(third, kCandiru).error.empty());
  EXPECT_EQ(slurp(options_.destination / kCandiru), served_.at(kCandiru));
  EXPECT_TRUE(hidden_files(options_.destination).empty());
}

TEST_F(IocDownloadTest, WithoutValidatorAnyBodyIsAccepted) {
  options_.validate = nullptr;
  server_.set_body(kCandiruPath, "anything");
  const DownloadResult result = download_iocs(options_);
  EXPECT_TRUE(file_named(result, kCandiru).updated);
  EXPECT_EQ(slurp(options_.destination / kCandiru), "anything");
}

TEST_F(IocDownloadTest, OversizedFileIsRejected) {
  options_.http.max_body_bytes = 1u << 20;  // pegasus, malware and stalkerware are larger
  const DownloadResult result = download_iocs(options_);
  const DownloadResult::File& stalkerware =
      file_named(result, "AssoEchap_stalkerware-indicators_generated_stalkerware.stix2");
  EXPECT_EQ(stalkerware.error,
            "cannot download " + stalkerware.url + ": response larger than 1048576 bytes");
  EXPECT_FALSE(fs::exists(stalkerware.path));
  EXPECT_TRUE(file_named(result, kCandiru).updated);
}

TEST_F(IocDownloadTest, FilesNotInTheIndexAreLeftAlone) {
  test::write_file(options_.destination / "analyst-own.stix2", "mine");
  expect_complete(download_iocs(options_));
  EXPECT_EQ(slurp(options_.destination / "analyst-own.stix2"), "mine");
}

TEST_F(IocDownloadTest, RedirectedFilesAreFollowed) {
  server_.set_redirect(kCandiruPath, 302, "/elsewhere/candiru.stix2");
  server_.set_body("/elsewhere/candiru.stix2", served_.at(kCandiru));
  expect_complete(download_iocs(options_));
}

TEST_F(IocDownloadTest, UnreachableIndexWritesNothing) {
  const test::RefusingPort closed;
  options_.index_url = closed.url() + kIndexPath;
  const DownloadResult result = download_iocs(options_);
  EXPECT_FALSE(result.ok());
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_TRUE(result.errors[0].starts_with("cannot download the indicators index "))
      << result.errors[0];
  EXPECT_TRUE(result.files.empty());
  EXPECT_TRUE(fs::is_empty(options_.destination));
  EXPECT_TRUE(server_.requests().empty());
}

TEST_F(IocDownloadTest, IndexErrorsWriteNothing) {
  server_.set_status(kIndexPath, 404);
  DownloadResult result = download_iocs(options_);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_NE(result.errors[0].find("404"), std::string::npos) << result.errors[0];
  EXPECT_TRUE(result.files.empty());

  server_.set_body(kIndexPath, "<html><body>Moved</body></html>");
  result = download_iocs(options_);
  EXPECT_FALSE(result.ok());
  EXPECT_TRUE(result.files.empty());
  EXPECT_TRUE(fs::is_empty(options_.destination));
  EXPECT_EQ(server_.requests().size(), 2u);  // the index twice, never a file
}

TEST_F(IocDownloadTest, UnwritableDestinationIsAnError) {
  test::write_file(destination_.path() / "a-file", "x");
  options_.destination = destination_.path() / "a-file" / "indicators";
  const DownloadResult result = download_iocs(options_);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.errors.size(), 1u);
  EXPECT_TRUE(server_.requests().empty());
}

}  // namespace
}  // namespace vigil::net
