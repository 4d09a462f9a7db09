// Hosts, URLs and links in hostile text. One hand-written, bounded parser (no regex) because the
// matchers need WHATWG-like host semantics (IDN, numeric IPv4 forms, IPv6 literals) that no Debian
// library offers for C++; see docs/matching.md for every rule and where it differs from MVT.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::core {

enum class HostKind : std::uint8_t { domain, ipv4, ipv6 };

/// A host in canonical form: a domain is lower-case ASCII (IDN labels as punycode "xn--"), with no
/// trailing dot; an IPv4 address is a dotted quad ("127.0.0.1"); an IPv6 address is RFC 5952 text
/// without brackets ("2001:db8::1").
struct Host {
  HostKind kind = HostKind::domain;
  std::string name;
  friend bool operator==(const Host&, const Host&) = default;
};

/// Canonicalises a host as written in a URL, an IOC file or free text: percent-decoding, IDN to
/// punycode (UTS #46, non-transitional), lower-casing, one trailing dot removed, the WHATWG IPv4
/// forms ("0x7f.1", "2130706433", "0177.0.0.1") made dotted quads, "[v6]" or bare IPv6 made
/// canonical. Returns nullopt for anything that is not a valid host (empty labels, labels over 63
/// bytes, names over 253 bytes, forbidden characters, bad IDN, IPv6 zone ids).
std::optional<Host> normalize_host(std::string_view raw);

/// Fast path for the matchers: when `raw` is already plain ASCII letters/digits/'-'/'.' (the usual
/// case) writes its lower-cased form without a trailing dot into `out` and returns true without
/// allocating; returns false when the full normalize_host() is needed.
bool normalize_ascii_domain(std::string_view raw, std::string& out);

struct Url {
  std::string scheme;    ///< lower-case ("https"); empty when the input had none
  std::string userinfo;  ///< as written, without '@'
  Host host;
  std::optional<std::uint16_t> port;  ///< only when explicit and not the scheme's default
  std::string path;  ///< percent-encoding normalised (unreserved decoded, hex upper-case)
  std::optional<std::string> query;     ///< without '?'
  std::optional<std::string> fragment;  ///< without '#'

  /// The canonical text used to compare URLs against url:value indicators: scheme (http when
  /// absent), host, non-default port, path ("/" when empty), query; no userinfo, no fragment.
  [[nodiscard]] std::string normalized() const;
};

/// Parses "scheme://[userinfo@]host[:port][/path][?query][#fragment]" and the scheme-less
/// "host[:port]/path" form found in IOC feeds and chat messages. Schemes other than http, https,
/// ftp, ws and wss parse only when they use "//". Never throws; nullopt on anything malformed.
std::optional<Url> parse_url(std::string_view input);

/// A URL or bare host found in free text.
struct TextLink {
  std::string text;         ///< as written, refanged ("hxxp" -> "http", "[.]" -> ".")
  std::size_t offset = 0;   ///< byte offset of the link in the input
  bool has_scheme = false;  ///< "scheme://" link rather than a bare domain or IP
};

/// Finds the links in free text (SMS bodies, notes, chat messages): "scheme://…" URLs, "www.…" and
/// bare domain names whose last label is alphabetic (or punycode), and IPv4/IPv6 literals. Trailing
/// punctuation that ends a sentence or closes a bracket is not part of a link. Defanged forms
/// ("hxxps://", "example[.]com", "example(.)com") are refanged. Linear in the input, bounded
/// output: at most 10,000 links, the first ones in the text.
std::vector<TextLink> extract_links(std::string_view text);

/// A quick look for what every link needs (a ':' of a scheme, a dot with a label after it, a
/// full-width or defanged dot): false only when extract_links() finds nothing. One pass, a few
/// instructions a byte, so the many texts without any link are not scanned word by word.
bool may_contain_link(std::string_view text);

}  // namespace vigil::core
