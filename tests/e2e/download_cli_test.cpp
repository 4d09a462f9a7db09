// `vigil download-iocs` end to end against a loopback mirror, then the downloaded feeds in use.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "e2e/run_vigil.hpp"
#include "support/http_server.hpp"
#include "support/test_support.hpp"

namespace {

using nlohmann::json;
using vigil::test::HttpServer;
using vigil::test::run_vigil;
using vigil::test::TempDir;

// A mirror of raw.githubusercontent.com holding two of the bundled feeds (from data/iocs), one
// of them changed so that the downloaded copy is told apart from the bundled one.
class DownloadCli : public ::testing::Test {
 protected:
  void SetUp() override {
    auto data = vigil::test::source_dir() / "data/iocs/mvt-indicators";
    root_ = home_.path() / "mirror";
    auto repo = root_ / "mvt-project/mvt-indicators/main";
    vigil::test::write_file(repo / "cellebrite/cellebrite.stix2",
                            vigil::test::read_file(data / "cellebrite/cellebrite.stix2"));
    std::string candiru = vigil::test::read_file(data / "candiru/candiru.stix2");
    auto pos = candiru.find("[domain-name:value='");
    ASSERT_NE(pos, std::string::npos);
    candiru.insert(pos + 20, "mirror-only.example'] OR [domain-name:value='");
    vigil::test::write_file(repo / "candiru/candiru.stix2", candiru);
    vigil::test::write_file(root_ / "index/indicators.yaml", R"(indicators:
  - name: Candiru
    type: github
    github:
      owner: mvt-project
      repo: mvt-indicators
      branch: main
      path: candiru/candiru.stix2
  - name: Cellebrite
    type: github
    github:
      owner: mvt-project
      repo: mvt-indicators
      path: cellebrite/cellebrite.stix2
)");
    server_ = std::make_unique<HttpServer>(root_);
  }

  std::string download_args() const {
    return "download-iocs --index " + server_->url() + "/index/indicators.yaml --raw-base " +
           server_->url();
  }

  TempDir home_;
  std::filesystem::path root_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(DownloadCli, DownloadsIntoTheUserFolderAndSupersedesTheBundledCopy) {
  auto run = run_vigil(download_args(), home_.path());
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_NE(run.out.find("2 updated, 0 unchanged, 0 failed"), std::string::npos) << run.out;
  auto folder = home_.path() / "xdg/vigil/indicators";
  EXPECT_TRUE(std::filesystem::exists(folder / "mvt-project_mvt-indicators_candiru_candiru.stix2"));

  auto stats = json::parse(run_vigil("iocs stats --json", home_.path()).out);
  std::size_t user = 0, bundled = 0;
  for (const auto& file : stats["files"]) {
    (file["origin"] == "user" ? user : bundled) += 1;
    EXPECT_NE(file["path"], "bundled:mvt-indicators/candiru/candiru.stix2");
  }
  EXPECT_EQ(user, 2u);
  EXPECT_EQ(bundled, 15u);
  auto check = run_vigil("iocs check --json --exit-code mirror-only.example", home_.path());
  EXPECT_EQ(check.status, 1) << check.out;

  auto again = run_vigil(download_args(), home_.path());
  EXPECT_EQ(again.status, 0);
  EXPECT_NE(again.out.find("0 updated, 2 unchanged, 0 failed"), std::string::npos) << again.out;
}

TEST_F(DownloadCli, AFailingFileKeepsThePreviousCopyAndExits5) {
  ASSERT_EQ(run_vigil(download_args(), home_.path()).status, 0);
  auto file =
      home_.path() / "xdg/vigil/indicators/mvt-project_mvt-indicators_cellebrite_cellebrite.stix2";
  std::string before = vigil::test::read_file(file);
  server_->set_body("/mvt-project/mvt-indicators/main/cellebrite/cellebrite.stix2",
                    "<html>rate limited</html>");
  auto run = run_vigil(download_args(), home_.path(), true);
  EXPECT_EQ(run.status, 5) << run.out;
  EXPECT_NE(run.out.find("not a valid STIX2 bundle"), std::string::npos) << run.out;
  EXPECT_EQ(vigil::test::read_file(file), before);
}

TEST_F(DownloadCli, UnreachableIndexExits5AndWritesNothing) {
  server_.reset();  // nothing listens on that port any more
  auto run =
      run_vigil("download-iocs --index http://127.0.0.1:9/indicators.yaml", home_.path(), true);
  EXPECT_EQ(run.status, 5) << run.out;
  EXPECT_TRUE(std::filesystem::is_empty(home_.path() / "xdg/vigil/indicators") ||
              !std::filesystem::exists(home_.path() / "xdg/vigil/indicators"));
}

}  // namespace
