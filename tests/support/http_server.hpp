// A tiny HTTP/1.1 server for the network tests. It listens on 127.0.0.1 only (an ephemeral port),
// serves one connection at a time from a background thread and closes each after one response.
// Files come from a root folder (GET and HEAD); programmable routes take precedence over files.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vigil::test {

class HttpServer {
 public:
  struct Request {
    std::string method;
    std::string path;    ///< the request target without the query string
    std::string header;  ///< the raw request header block (request line and header fields)
  };

  /// Starts listening at once; throws std::system_error when the socket cannot be set up.
  explicit HttpServer(std::filesystem::path root);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  /// "http://127.0.0.1:<port>", without a trailing slash.
  [[nodiscard]] std::string url() const;

  /// Answers `path` with `status` and a Location header.
  void set_redirect(const std::string& path, int status, const std::string& location);
  /// Answers `path` with `status` and a short text body (e.g. 500 for a failing mirror).
  void set_status(const std::string& path, int status);
  /// Answers `path` with 200 and `body`; without Content-Length (body ends when the connection
  /// closes) when `send_length` is false.
  void set_body(const std::string& path, std::string body, bool send_length = true);
  /// Removes a programmed route: `path` is served from the root folder again.
  void clear_route(const std::string& path);

  /// Every request received so far, in order.
  [[nodiscard]] std::vector<Request> requests() const;
  void clear_requests();

 private:
  struct Route {
    int status = 200;
    std::string location;
    std::string body;
    bool send_length = true;
  };

  void serve();
  void handle(int client);

  std::filesystem::path root_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::map<std::string, Route> routes_;
  std::vector<Request> requests_;
  std::thread thread_;
};

}  // namespace vigil::test
