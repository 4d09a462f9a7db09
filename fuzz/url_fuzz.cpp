// Fuzzes the host/URL/link parsers with the invariants the matchers rely on: canonical forms are
// fixed points, the fast path agrees with the full one, and link offsets stay inside the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/shorteners.hpp"
#include "core/url.hpp"

namespace {

void check(bool ok, const char* what, std::string_view input) {
  if (ok) return;
  std::fprintf(stderr, "invariant failed: %s (input of %zu bytes)\n", what, input.size());
  std::abort();
}

bool has_space_or_control(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) return true;
  return false;
}

void check_host(std::string_view input) {
  auto host = vigil::core::normalize_host(input);
  std::string fast;
  if (vigil::core::normalize_ascii_domain(input, fast)) {
    check(host && host->kind == vigil::core::HostKind::domain && host->name == fast,
          "normalize_ascii_domain disagrees with normalize_host", input);
  }
  if (!host) return;
  check(!host->name.empty() && !has_space_or_control(host->name), "host text", input);
  std::string again_text =
      host->kind == vigil::core::HostKind::ipv6 ? "[" + host->name + "]" : host->name;
  auto again = vigil::core::normalize_host(again_text);
  check(again && *again == *host, "normalize_host is not idempotent", input);
}

void check_url(std::string_view input) {
  auto url = vigil::core::parse_url(input);
  if (!url) return;
  std::string normalized = url->normalized();
  check(!has_space_or_control(normalized), "normalized() has white space", input);
  auto again = vigil::core::parse_url(normalized);
  check(again.has_value(), "normalized() does not re-parse", input);
  check(again->normalized() == normalized, "normalized() is not a fixed point", input);
  check(again->host == url->host, "host changed on re-parse", input);
  check(vigil::core::is_url_shortener(*again) == vigil::core::is_url_shortener(*url),
        "shortener verdict changed on re-parse", input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  check_host(input);
  check_url(input);
  auto links = vigil::core::extract_links(input);
  check(links.size() <= 10000, "too many links", input);
  std::size_t parsed = 0;
  for (const auto& link : links) {
    check(link.offset < size, "link offset out of range", input);
    check(!link.text.empty(), "empty link", input);
    if (parsed++ < 16) check_url(link.text);  // bounded: links are what the matchers parse
  }
  return 0;
}
