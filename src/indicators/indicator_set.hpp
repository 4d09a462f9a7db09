// The loaded indicators and every matcher over them. Values are normalised once when added; the
// lookup indexes (hash tables keyed by the normalised value) are built by finalize(), after which
// the set is immutable and safe to share between threads. Matching semantics: docs/matching.md.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "indicators/flat_index.hpp"
#include "indicators/ioc_type.hpp"

namespace vigil::indicators {

/// Where a set of indicators came from: one STIX2 file.
struct SourceFile {
  std::string path{};    ///< as given, or "bundled:<repository path>" for the embedded snapshot
  std::string origin{};  ///< "cli", "env", "user", "bundled"
  std::string sha256{};  ///< of the file's bytes
  std::size_t indicators = 0;  ///< comparisons loaded, one per published indicator value
  std::array<std::size_t, kIocTypeCount> by_type{};
  std::vector<std::string> warnings{};
  std::optional<std::string> error{};  ///< the file could not be loaded at all
  std::string date{};  ///< newest `created`/`modified` day of its objects (YYYY-MM-DD), or empty
};

enum class AttributionKind : std::uint8_t { malware, report, file };

/// One "this value belongs to X" statement of one source file.
struct Attribution {
  std::uint32_t source = 0;  ///< index into IndicatorSet::sources()
  AttributionKind kind = AttributionKind::file;
  std::string name;          ///< malware or report name; the file's stem for kind::file
  std::string indicator_id;  ///< STIX id of the indicator object
};

/// One distinct (type, normalised value) with every attribution from every file.
struct Indicator {
  IocType type = IocType::domain;
  std::string value;  ///< normalised value as shown to people
  std::string key;    ///< lookup key (case-folded or canonicalised value)
  std::vector<Attribution> attributions;
};

enum class Platform : std::uint8_t { any, ios, android };

struct Match {
  const Indicator* indicator = nullptr;
  bool truncated = false;      ///< a kernel-truncated process name matched the start of the IOC
  bool parent_domain = false;  ///< the IOC is a parent domain of the observed host
};

/// Result of checking a URL: the indicators it matches and what vigil knows about it.
struct UrlCheck {
  std::vector<Match> matches;
  bool parsed = false;     ///< the text was a URL or host vigil could parse
  bool shortened = false;  ///< the host is a known URL shortener (the target is unknown offline)
  std::optional<std::string> expanded;  ///< the resolved target, when a resolver was given
};

/// A link found in free text and what it matched.
struct TextMatch {
  std::string link;
  std::size_t offset = 0;
  UrlCheck check;
};

/// Resolves a shortened URL to its target (e.g. one HTTP HEAD); nullopt when it cannot.
using ShortUrlResolver = std::function<std::optional<std::string>(const std::string&)>;

class IndicatorSet {
 public:
  /// Registers a source file; returns its index for attributions.
  std::uint32_t add_source(SourceFile source);
  SourceFile& source(std::uint32_t index) { return sources_[index]; }
  [[nodiscard]] const std::vector<SourceFile>& sources() const { return sources_; }

  /// Normalises and adds one value. Returns the type it was stored as (an IPv4 literal given as a
  /// domain becomes ipv4; a hash is typed by its length), or an explanation of why it was
  /// rejected. The caller keeps the source's published-value counts.
  struct Added {
    std::optional<IocType> stored_as;
    std::string problem;  ///< set when rejected, or when stored with a caveat
  };
  /// `attributions` are every malware/report the value belongs to in this file (at least one).
  Added add(IocType declared, std::string_view raw_value, std::vector<Attribution> attributions);

  /// Builds the lookup indexes. Call after the last add(); matching before it asserts.
  void finalize();

  [[nodiscard]] const std::vector<Indicator>& indicators() const { return indicators_; }
  [[nodiscard]] std::size_t size() const { return indicators_.size(); }
  [[nodiscard]] std::size_t count(IocType type) const;

  // Matchers. Each returns every indicator that matches (most specific first) and never throws.
  [[nodiscard]] std::vector<Match> match_domain(std::string_view host) const;
  [[nodiscard]] std::vector<Match> match_ip(std::string_view address) const;
  [[nodiscard]] UrlCheck match_url(std::string_view url,
                                   const ShortUrlResolver& resolver = {}) const;
  [[nodiscard]] std::vector<TextMatch> match_text(std::string_view text,
                                                  const ShortUrlResolver& resolver = {}) const;
  [[nodiscard]] std::vector<Match> match_process(std::string_view name,
                                                 Platform platform = Platform::any) const;
  [[nodiscard]] std::vector<Match> match_email(std::string_view address) const;
  [[nodiscard]] std::vector<Match> match_file_name(std::string_view name) const;
  /// file-path IOCs on a path-component boundary, and file-name IOCs on the basename.
  [[nodiscard]] std::vector<Match> match_file_path(std::string_view path) const;
  /// md5, sha1 or sha256 chosen by the hex length; app-cert hashes are matched by match_app_cert.
  [[nodiscard]] std::vector<Match> match_hash(std::string_view hex) const;
  [[nodiscard]] std::vector<Match> match_app_id(std::string_view id) const;
  [[nodiscard]] std::vector<Match> match_app_cert(std::string_view hash) const;
  [[nodiscard]] std::vector<Match> match_profile(std::string_view uuid) const;
  [[nodiscard]] std::vector<Match> match_android_property(std::string_view name) const;

  /// Allocation-free hot path: the most specific domain indicator for an already-extracted host.
  [[nodiscard]] const Indicator* find_domain(std::string_view host) const;

  /// The lookup key a value of this type is indexed under (exposed for tests and tools).
  static std::optional<std::string> key_for(IocType type, std::string_view value);

 private:
  void lookup(IocType type, std::string_view key, std::vector<Match>& out, Match flags = {}) const;
  const Indicator* find(IocType type, std::string_view key) const;
  void match_domain_key(std::string_view key, std::vector<Match>& out) const;
  /// Exact lookup of the value's key (types whose matching is plain equality after key_for).
  std::vector<Match> match_exact(IocType type, std::string_view value) const;

  struct Cidr {
    std::array<std::uint8_t, 16> network{};
    int prefix = 0;
    bool v6 = false;
    std::uint32_t indicator = 0;
  };

  // Fast path of match_url: the host of an ordinary http(s) URL, or nullopt when the full parser
  // must decide. Only hosts that some url indicator uses need the full parse and normalisation.
  static bool fast_url_host(std::string_view text, std::string& host);
  UrlCheck match_url_slow(std::string_view text, const ShortUrlResolver& resolver) const;

  std::vector<SourceFile> sources_;
  std::vector<Indicator> indicators_;
  std::unordered_map<std::string, std::uint32_t> by_key_[kIocTypeCount];  // while loading
  std::array<FlatIndex, kIocTypeCount> index_;
  std::unordered_map<std::string, std::vector<std::uint32_t>> process_prefix_;  // truncated names
  std::vector<Cidr> cidrs_;
  std::vector<std::string> url_hosts_;  // hosts of the url indicators and URL shorteners
  FlatIndex url_host_index_;
  bool has_verbatim_urls_ = false;  // url indicators that did not parse as URLs
  bool finalized_ = false;
};

}  // namespace vigil::indicators
