#include "net/http.hpp"

#include <gtest/gtest.h>

#include <string>

#include "net_test_helpers.hpp"
#include "support/http_server.hpp"
#include "support/test_support.hpp"

namespace vigil::net {
namespace {

using test::HttpServer;
using test::RefusingPort;
using test::TempDir;

class HttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    test::clear_proxy_environment();
    test::write_file(root_.path() / "hello.txt", "hello, world\n");
    test::write_file(root_.path() / "dir" / "final.txt", "the end\n");
  }

  TempDir root_;
  HttpServer server_{root_.path()};
};

TEST_F(HttpTest, GetReturnsBodyAndStatus) {
  const HttpResponse response = http_get(server_.url() + "/hello.txt");
  EXPECT_TRUE(response.ok()) << response.error;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "hello, world\n");
  EXPECT_TRUE(response.location.empty());
}

TEST_F(HttpTest, SendsVigilUserAgent) {
  ASSERT_TRUE(http_get(server_.url() + "/hello.txt").ok());
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_NE(requests[0].header.find("User-Agent: vigil/" VIGIL_VERSION "\r\n"), std::string::npos)
      << requests[0].header;
}

TEST_F(HttpTest, MissingFileIs404WithoutTransportError) {
  const HttpResponse response = http_get(server_.url() + "/nope.txt");
  EXPECT_FALSE(response.ok());
  EXPECT_EQ(response.status, 404);
  EXPECT_TRUE(response.error.empty()) << response.error;
}

TEST_F(HttpTest, ServerErrorStatusIsReported) {
  server_.set_status("/hello.txt", 500);
  const HttpResponse response = http_get(server_.url() + "/hello.txt");
  EXPECT_FALSE(response.ok());
  EXPECT_EQ(response.status, 500);
}

TEST_F(HttpTest, GetFollowsRedirects) {
  server_.set_redirect("/short", 302, "/hop");  // relative, resolved by curl
  server_.set_redirect("/hop", 301, server_.url() + "/dir/final.txt");
  const HttpResponse response = http_get(server_.url() + "/short");
  EXPECT_TRUE(response.ok()) << response.error;
  EXPECT_EQ(response.body, "the end\n");
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[2].method, "GET");
  EXPECT_EQ(requests[2].path, "/dir/final.txt");
}

TEST_F(HttpTest, GetGivesUpAfterFiveRedirects) {
  server_.set_redirect("/loop", 302, "/loop");
  const HttpResponse response = http_get(server_.url() + "/loop");
  EXPECT_FALSE(response.ok());
  EXPECT_FALSE(response.error.empty());
  EXPECT_EQ(server_.requests().size(), 6u);  // the first request and five redirects
}

TEST_F(HttpTest, RedirectToAnotherProtocolIsRefused) {
  server_.set_redirect("/evil", 302, "file:///etc/passwd");
  const HttpResponse response = http_get(server_.url() + "/evil");
  EXPECT_FALSE(response.ok());
  EXPECT_FALSE(response.error.empty());
  EXPECT_TRUE(response.body.empty());
}

TEST_F(HttpTest, NonWebSchemesAreRefused) {
  for (const char* url : {"file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/"}) {
    const HttpResponse response = http_get(url);
    EXPECT_FALSE(response.ok()) << url;
    EXPECT_FALSE(response.error.empty()) << url;
    EXPECT_TRUE(response.body.empty()) << url;
  }
}

TEST_F(HttpTest, HeadDoesNotFollowAndReportsAbsoluteLocation) {
  server_.set_redirect("/s", 301, "/dir/final.txt");
  const HttpResponse response = http_head(server_.url() + "/s");
  EXPECT_TRUE(response.error.empty()) << response.error;
  EXPECT_EQ(response.status, 301);
  EXPECT_EQ(response.location, server_.url() + "/dir/final.txt");
  EXPECT_TRUE(response.body.empty());
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "HEAD");
}

TEST_F(HttpTest, HeadOfAFileHasNoBodyAndNoLocation) {
  const HttpResponse response = http_head(server_.url() + "/hello.txt");
  EXPECT_TRUE(response.ok()) << response.error;
  EXPECT_TRUE(response.body.empty());
  EXPECT_TRUE(response.location.empty());
}

TEST_F(HttpTest, ResolveRedirectsFollowsTwoHops) {
  server_.set_redirect("/s1", 301, "/s2");
  server_.set_redirect("/s2", 302, server_.url() + "/dir/final.txt");
  const std::optional<std::string> target = resolve_redirects(server_.url() + "/s1");
  ASSERT_TRUE(target.has_value());
  EXPECT_EQ(*target, server_.url() + "/dir/final.txt");
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 3u);  // two redirects, then the final non-3xx answer
  for (const auto& request : requests) EXPECT_EQ(request.method, "HEAD");
}

TEST_F(HttpTest, ResolveRedirectsKeepsLastTargetWhenAHopFails) {
  server_.set_redirect("/s1", 301, "/gone");  // /gone is a 404: the redirect target still counts
  EXPECT_EQ(resolve_redirects(server_.url() + "/s1"), server_.url() + "/gone");
  const RefusingPort closed;
  server_.set_redirect("/s2", 302, closed.url() + "/x");
  EXPECT_EQ(resolve_redirects(server_.url() + "/s2"), closed.url() + "/x");
}

TEST_F(HttpTest, ResolveRedirectsStopsAtMaxHops) {
  server_.set_redirect("/a", 302, "/b");
  server_.set_redirect("/b", 302, "/a");
  const std::optional<std::string> target = resolve_redirects(server_.url() + "/a", 3);
  ASSERT_TRUE(target.has_value());
  EXPECT_EQ(*target, server_.url() + "/b");  // a -> b -> a -> b
  EXPECT_EQ(server_.requests().size(), 3u);
}

TEST_F(HttpTest, ResolveRedirectsIsNulloptWithoutRedirect) {
  EXPECT_FALSE(resolve_redirects(server_.url() + "/hello.txt").has_value());
  EXPECT_FALSE(resolve_redirects(server_.url() + "/nope").has_value());
}

TEST_F(HttpTest, ResolveRedirectsIsNulloptWhenFirstRequestFails) {
  const RefusingPort closed;
  EXPECT_FALSE(resolve_redirects(closed.url() + "/s").has_value());
}

TEST_F(HttpTest, BodyOverCapIsAnErrorWithContentLength) {
  server_.set_body("/big", std::string(2000, 'x'));
  HttpOptions options;
  options.max_body_bytes = 1000;
  const HttpResponse response = http_get(server_.url() + "/big", options);
  EXPECT_FALSE(response.ok());
  EXPECT_EQ(response.error, "response larger than 1000 bytes");
  EXPECT_TRUE(response.body.empty());
}

TEST_F(HttpTest, BodyOverCapIsAnErrorWithoutContentLength) {
  server_.set_body("/stream", std::string(200000, 'x'), /*send_length=*/false);
  HttpOptions options;
  options.max_body_bytes = 1000;
  const HttpResponse response = http_get(server_.url() + "/stream", options);
  EXPECT_FALSE(response.ok());
  EXPECT_EQ(response.error, "response larger than 1000 bytes");
  EXPECT_TRUE(response.body.empty());
}

TEST_F(HttpTest, BodyExactlyAtCapIsAccepted) {
  server_.set_body("/exact", std::string(1000, 'y'), /*send_length=*/false);
  HttpOptions options;
  options.max_body_bytes = 1000;
  const HttpResponse response = http_get(server_.url() + "/exact", options);
  EXPECT_TRUE(response.ok()) << response.error;
  EXPECT_EQ(response.body.size(), 1000u);
}

TEST_F(HttpTest, ConnectionRefusedIsATransportError) {
  const RefusingPort closed;
  ASSERT_NE(closed.port(), 0);
  const HttpResponse get = http_get(closed.url() + "/x");
  EXPECT_FALSE(get.ok());
  EXPECT_EQ(get.status, 0);
  EXPECT_FALSE(get.error.empty());
  const HttpResponse head = http_head(closed.url() + "/x");
  EXPECT_EQ(head.status, 0);
  EXPECT_FALSE(head.error.empty());
}

}  // namespace
}  // namespace vigil::net
