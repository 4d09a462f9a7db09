// The only code in vigil that touches the network (libcurl), used by `download-iocs` and, when the
// analyst allows it with --resolve-shorteners, to resolve shortened links. Checks never need it.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace vigil::net {

struct HttpResponse {
  long status = 0;       ///< HTTP status; 0 when no response was received
  std::string body;      ///< GET only
  std::string location;  ///< the Location header of a redirect, resolved against the request URL
  std::string error;     ///< transport error text (curl's), empty on success
  [[nodiscard]] bool ok() const { return error.empty() && status >= 200 && status < 300; }
};

struct HttpOptions {
  std::chrono::seconds timeout{15};  ///< bounds connecting and, separately, the whole transfer
  std::size_t max_body_bytes = 64u << 20;  ///< a larger body is an error, never a partial file
};

/// GET following up to 5 redirects (http/https only).
HttpResponse http_get(const std::string& url, const HttpOptions& options = {});
/// HEAD without following redirects, to read where a shortened link points.
HttpResponse http_head(const std::string& url, const HttpOptions& options = {});

/// Follows a shortened link hop by hop with HEAD requests (at most `max_hops`) and returns the
/// final target, or nullopt when the first request fails or does not redirect.
std::optional<std::string> resolve_redirects(const std::string& url, int max_hops = 5,
                                             const HttpOptions& options = {});

}  // namespace vigil::net
