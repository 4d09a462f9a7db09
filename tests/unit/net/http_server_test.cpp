// The loopback test server's own guarantees, checked with raw sockets (curl would normalise the
// hostile request targets away before sending them).
#include "support/http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "support/test_support.hpp"

namespace vigil::test {
namespace {

// Sends `request` to 127.0.0.1:`port` and returns everything the server answers before closing.
std::string exchange(std::uint16_t port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(0x7f000001U);
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    // The server may answer (and close) before reading everything, e.g. an oversized header.
    ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    char buffer[4096];
    pollfd pfd{fd, POLLIN, 0};
    while (::poll(&pfd, 1, 5000) > 0) {
      const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
      if (got <= 0) break;
      answer.append(buffer, static_cast<std::size_t>(got));
    }
  }
  ::close(fd);
  return answer;
}

TEST(HttpServerTest, ListensOnLoopbackEphemeralPort) {
  const TempDir root;
  const HttpServer server(root.path());
  EXPECT_NE(server.port(), 0);
  EXPECT_EQ(server.url(), "http://127.0.0.1:" + std::to_string(server.port()));
}

TEST(HttpServerTest, ServesFilesForGetAndHeadAndLogsRequests) {
  const TempDir root;
  write_file(root.path() / "a" / "b.txt", "bee");
  HttpServer server(root.path());
  const std::string get = exchange(server.port(), "GET /a/b.txt?x=1 HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(get.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << get;
  EXPECT_NE(get.find("Content-Length: 3\r\n"), std::string::npos);
  EXPECT_EQ(get.substr(get.size() - 3), "bee");
  const std::string head = exchange(server.port(), "HEAD /a/b.txt HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << head;
  EXPECT_EQ(head.find("bee"), std::string::npos);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].path, "/a/b.txt");
  EXPECT_EQ(requests[1].method, "HEAD");
  server.clear_requests();
  EXPECT_TRUE(server.requests().empty());
}

TEST(HttpServerTest, NeverServesOutsideItsRoot) {
  const TempDir root;
  write_file(root.path() / "secret.txt", "secret");
  write_file(root.path() / "public" / "ok.txt", "ok");
  const HttpServer server(root.path() / "public");
  for (const char* target : {"/../secret.txt", "/x/../../secret.txt", "/..", "..\\secret.txt"}) {
    const std::string answer =
        exchange(server.port(), std::string("GET ") + target + " HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << target << ": " << answer;
    EXPECT_EQ(answer.find("secret"), std::string::npos) << target;
  }
}

TEST(HttpServerTest, MissingFileIs404AndRoutesOverrideFiles) {
  const TempDir root;
  write_file(root.path() / "f.txt", "file");
  HttpServer server(root.path());
  EXPECT_EQ(exchange(server.port(), "GET /nope HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 404", 0), 0u);
  server.set_status("/f.txt", 503);
  EXPECT_EQ(exchange(server.port(), "GET /f.txt HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 503", 0), 0u);
  server.set_redirect("/f.txt", 307, "/elsewhere");
  const std::string redirect = exchange(server.port(), "GET /f.txt HTTP/1.1\r\n\r\n");
  EXPECT_EQ(redirect.rfind("HTTP/1.1 307", 0), 0u);
  EXPECT_NE(redirect.find("Location: /elsewhere\r\n"), std::string::npos);
  server.clear_route("/f.txt");
  const std::string file = exchange(server.port(), "GET /f.txt HTTP/1.1\r\n\r\n");
  EXPECT_EQ(file.substr(file.size() - 4), "file");
}

TEST(HttpServerTest, RejectsOversizedRequestHeaders) {
  const TempDir root;
  const HttpServer server(root.path());
  const std::string huge = "GET / HTTP/1.1\r\nX-Pad: " + std::string(20 * 1024, 'a') + "\r\n\r\n";
  EXPECT_EQ(exchange(server.port(), huge).rfind("HTTP/1.1 431", 0), 0u);
  // And it keeps serving afterwards.
  EXPECT_EQ(exchange(server.port(), "GET /x HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 404", 0), 0u);
}

TEST(HttpServerTest, RejectsOtherMethods) {
  const TempDir root;
  const HttpServer server(root.path());
  EXPECT_EQ(exchange(server.port(), "POST / HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 405", 0), 0u);
}

}  // namespace
}  // namespace vigil::test
