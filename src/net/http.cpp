#include "net/http.hpp"

#include <curl/curl.h>

#include <memory>
#include <mutex>
#include <string_view>

namespace vigil::net {

namespace {

constexpr long kMaxRedirects = 5;
constexpr const char* kUserAgent = "vigil/" VIGIL_VERSION;
constexpr const char* kAllowedProtocols = "http,https";

// curl_global_init is not thread-safe and must run once before any handle exists.
bool global_init() {
  static std::once_flag once;
  static CURLcode status = CURLE_OK;
  std::call_once(once, [] { status = curl_global_init(CURL_GLOBAL_DEFAULT); });
  return status == CURLE_OK;
}

struct EasyDeleter {
  void operator()(CURL* handle) const noexcept { curl_easy_cleanup(handle); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;

struct BodySink {
  std::string* body = nullptr;
  std::size_t max_bytes = 0;
  bool discard = false;  // HEAD: curl should not call us, but never keep a stray body
  bool too_large = false;
};

// Aborts the transfer (returning less than given) once the body would exceed the cap, so a huge or
// endless response never becomes a partial file or exhausts memory.
std::size_t write_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  const std::size_t bytes = size * count;
  if (sink->discard) return bytes;
  if (bytes > sink->max_bytes - sink->body->size()) {
    sink->too_large = true;
    return 0;
  }
  sink->body->append(data, bytes);
  return bytes;
}

long to_millis(std::chrono::seconds s) {
  return std::chrono::duration_cast<std::chrono::duration<long, std::milli>>(s).count();
}

HttpResponse perform(const std::string& url, const HttpOptions& options, bool head) {
  HttpResponse response;
  if (!global_init()) {
    response.error = "cannot initialise libcurl";
    return response;
  }
  EasyHandle handle(curl_easy_init());
  if (!handle) {
    response.error = "cannot create a libcurl handle";
    return response;
  }
  CURL* h = handle.get();
  char error_buffer[CURL_ERROR_SIZE] = {};
  BodySink sink{&response.body, options.max_body_bytes, head, false};

  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  // Only web protocols, also after a redirect: a hostile server must not bounce us to file:// etc.
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85.0 added the _STR forms and deprecated the bitmasks
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, kAllowedProtocols);
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, kAllowedProtocols);
#else
  (void)kAllowedProtocols;
  curl_easy_setopt(h, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  curl_easy_setopt(h, CURLOPT_USERAGENT, kUserAgent);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM; we may run in threads
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  // `timeout` bounds connecting and the whole transfer.
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, to_millis(options.timeout));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, to_millis(options.timeout));
  // Rejects early when the server announces a too-large Content-Length; write_body catches the
  // rest.
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_body_bytes));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  if (head) {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  } else {
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, kMaxRedirects);
  }

  const CURLcode code = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  response.status = status;
  if (code != CURLE_OK) {
    if (sink.too_large || code == CURLE_FILESIZE_EXCEEDED) {
      response.error = "response larger than " + std::to_string(options.max_body_bytes) + " bytes";
    } else {
      response.error =
          error_buffer[0] != '\0' ? std::string(error_buffer) : curl_easy_strerror(code);
    }
    response.body.clear();  // never hand out a partial body
    return response;
  }
  if (head) {
    // CURLINFO_REDIRECT_URL is the Location header already resolved against the request URL.
    char* location = nullptr;
    if (curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &location) == CURLE_OK && location != nullptr)
      response.location = location;
  }
  return response;
}

}  // namespace

HttpResponse http_get(const std::string& url, const HttpOptions& options) {
  return perform(url, options, false);
}

HttpResponse http_head(const std::string& url, const HttpOptions& options) {
  return perform(url, options, true);
}

std::optional<std::string> resolve_redirects(const std::string& url, int max_hops,
                                             const HttpOptions& options) {
  std::string current = url;
  bool redirected = false;
  for (int hop = 0; hop < max_hops; ++hop) {
    const HttpResponse response = http_head(current, options);
    // A later hop that fails still leaves us with the furthest target we learnt.
    if (!response.error.empty()) break;
    if (response.status < 300 || response.status >= 400 || response.location.empty()) break;
    if (response.location == current) break;  // a self-redirect would only burn the hops
    current = response.location;
    redirected = true;
  }
  if (!redirected) return std::nullopt;
  return current;
}

}  // namespace vigil::net
