#include "support/http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>

namespace vigil::test {

namespace {

constexpr std::size_t kMaxRequestHeader = 16 * 1024;
constexpr int kPollMillis = 50;  // how quickly the thread notices stop_
constexpr int kIoTimeoutMillis = 5000;
constexpr int kLingerMillis = 200;

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

bool wait_for(int fd, short events) {
  pollfd pfd{fd, events, 0};
  int ready = 0;
  do {
    ready = ::poll(&pfd, 1, kIoTimeoutMillis);
  } while (ready < 0 && errno == EINTR);
  return ready > 0;
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    if (!wait_for(fd, POLLOUT)) return false;
    const ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return false;  // e.g. the client gave up (body cap) and closed its end
    }
    data.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

// Reads up to the end of the request header; nullopt when it is too large, incomplete or slow.
std::optional<std::string> read_header(int fd) {
  std::string data;
  char buffer[4096];
  while (data.find("\r\n\r\n") == std::string::npos) {
    if (data.size() > kMaxRequestHeader || !wait_for(fd, POLLIN)) return std::nullopt;
    const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return std::nullopt;
    data.append(buffer, static_cast<std::size_t>(got));
  }
  if (data.find("\r\n\r\n") > kMaxRequestHeader) return std::nullopt;
  return data;
}

bool has_dot_dot_segment(std::string_view path) {
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

std::string response_head(int status, std::size_t length, bool send_length,
                          const std::string& location) {
  std::string head = "HTTP/1.1 " + std::to_string(status) + " " + reason(status) + "\r\n";
  head += "Connection: close\r\n";
  if (!location.empty()) head += "Location: " + location + "\r\n";
  if (send_length) head += "Content-Length: " + std::to_string(length) + "\r\n";
  head += "\r\n";
  return head;
}

}  // namespace

HttpServer::HttpServer(std::filesystem::path root) : root_(std::move(root)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener_ < 0) throw_errno("socket");
  const int yes = 1;
  ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = 0;                          // the kernel picks a free port
  address.sin_addr.s_addr = htonl(0x7f000001U);  // 127.0.0.1: never reachable from outside
  sockaddr* generic = reinterpret_cast<sockaddr*>(&address);
  socklen_t length = sizeof address;
  if (::bind(listener_, generic, length) != 0 || ::listen(listener_, 16) != 0 ||
      ::getsockname(listener_, generic, &length) != 0) {
    const int error = errno;
    ::close(listener_);
    errno = error;
    throw_errno("cannot listen on 127.0.0.1");
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

HttpServer::~HttpServer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  ::close(listener_);
}

std::string HttpServer::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void HttpServer::set_redirect(const std::string& path, int status, const std::string& location) {
  const std::lock_guard lock(mutex_);
  routes_[path] = Route{status, location, {}, true};
}

void HttpServer::set_status(const std::string& path, int status) {
  const std::lock_guard lock(mutex_);
  routes_[path] = Route{status, {}, std::string(reason(status)) + "\n", true};
}

void HttpServer::set_body(const std::string& path, std::string body, bool send_length) {
  const std::lock_guard lock(mutex_);
  routes_[path] = Route{200, {}, std::move(body), send_length};
}

void HttpServer::clear_route(const std::string& path) {
  const std::lock_guard lock(mutex_);
  routes_.erase(path);
}

std::vector<HttpServer::Request> HttpServer::requests() const {
  const std::lock_guard lock(mutex_);
  return requests_;
}

void HttpServer::clear_requests() {
  const std::lock_guard lock(mutex_);
  requests_.clear();
}

void HttpServer::serve() {
  while (!stop_) {
    pollfd pfd{listener_, POLLIN, 0};
    if (::poll(&pfd, 1, kPollMillis) <= 0) continue;
    const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    handle(client);
    // Lingering close: read what the client still sends (e.g. the rest of an oversized header) so
    // that close() does not reset the connection before the client has read our answer.
    ::shutdown(client, SHUT_WR);
    char sink[4096];
    for (int rounds = 0; rounds < 256; ++rounds) {
      pollfd in{client, POLLIN, 0};
      if (::poll(&in, 1, kLingerMillis) <= 0 || ::recv(client, sink, sizeof sink, 0) <= 0) break;
    }
    ::close(client);
  }
}

void HttpServer::handle(int client) {
  const std::optional<std::string> header = read_header(client);
  if (!header) {
    send_all(client, response_head(431, 0, true, {}));
    return;
  }
  // Request line: METHOD SP target SP HTTP/1.x
  const std::string_view text(*header);
  const std::string_view line = text.substr(0, text.find("\r\n"));
  const std::size_t space1 = line.find(' ');
  const std::size_t space2 = line.find(' ', space1 == std::string_view::npos ? 0 : space1 + 1);
  if (space1 == std::string_view::npos || space2 == std::string_view::npos) {
    send_all(client, response_head(400, 0, true, {}));
    return;
  }
  const std::string method(line.substr(0, space1));
  std::string path(line.substr(space1 + 1, space2 - space1 - 1));
  path = path.substr(0, path.find_first_of("?#"));
  {
    const std::lock_guard lock(mutex_);
    requests_.push_back(Request{method, path, std::string(text.substr(0, text.find("\r\n\r\n")))});
  }
  const bool head = method == "HEAD";
  if (!head && method != "GET") {
    send_all(client, response_head(405, 0, true, {}));
    return;
  }
  if (path.empty() || path.front() != '/' || has_dot_dot_segment(path) ||
      path.find('\\') != std::string::npos || path.find('\0') != std::string::npos) {
    send_all(client, response_head(400, 0, true, {}));
    return;
  }

  std::optional<Route> route;
  {
    const std::lock_guard lock(mutex_);
    if (const auto found = routes_.find(path); found != routes_.end()) route = found->second;
  }
  if (!route) {
    const std::filesystem::path file = root_ / path.substr(1);
    std::error_code ec;
    if (root_.empty() || !std::filesystem::is_regular_file(file, ec)) {
      route = Route{404, {}, "Not Found\n", true};
    } else {
      std::ifstream in(file, std::ios::binary);
      std::ostringstream body;
      body << in.rdbuf();
      route = Route{200, {}, std::move(body).str(), true};
    }
  }
  std::string response =
      response_head(route->status, route->body.size(), route->send_length, route->location);
  if (!head) response += route->body;
  send_all(client, response);
}

}  // namespace vigil::test
