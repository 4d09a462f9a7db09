#include "indicators/indicator_set.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cstring>

#include "core/shorteners.hpp"
#include "core/text.hpp"
#include "core/url.hpp"

namespace vigil::indicators {

namespace {

constexpr std::size_t kIosProcessNameLimit = 16;      // MAXCOMLEN on Darwin
constexpr std::size_t kAndroidProcessNameLimit = 15;  // TASK_COMM_LEN - 1 on Linux

// iOS exposes /var, /etc and /tmp through symlinks into /private: both spellings name one file.
void canonical_path(std::string_view raw, std::string& out) {
  out.clear();
  out.reserve(raw.size() + 1);
  for (char c : core::trim(raw)) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out += c;
  }
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  for (std::string_view dir : {"/private/var", "/private/etc", "/private/tmp"}) {
    if (out.starts_with(dir) && (out.size() == dir.size() || out[dir.size()] == '/')) {
      out.erase(0, 8);  // "/private"
      break;
    }
  }
}

std::string canonical_path(std::string_view raw) {
  std::string out;
  canonical_path(raw, out);
  return out;
}

std::optional<std::string> lower_hex(std::string_view raw, bool allow_separators) {
  std::string out;
  out.reserve(raw.size());
  for (char c : core::trim(raw)) {
    if (allow_separators && (c == ':' || c == ' ')) continue;
    if (!core::is_ascii_hex(c)) return std::nullopt;
    out += core::ascii_lower(c);
  }
  if (out.empty()) return std::nullopt;
  return out;
}

std::optional<IocType> hash_type_for_length(std::size_t length) {
  switch (length) {
    case 32:
      return IocType::md5;
    case 40:
      return IocType::sha1;
    case 64:
      return IocType::sha256;
    default:
      return std::nullopt;
  }
}

// "10.0.0.0/8" -> canonical "10.0.0.0/8"; a plain address -> its canonical text.
struct IpValue {
  core::HostKind kind = core::HostKind::ipv4;
  std::string key;
  std::optional<int> prefix;
};

std::optional<IpValue> parse_ip_value(std::string_view raw) {
  raw = core::trim(raw);
  std::optional<int> prefix;
  if (size_t slash = raw.find('/'); slash != std::string_view::npos) {
    std::string_view digits = raw.substr(slash + 1);
    int value = -1;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
    prefix = value;
    raw = raw.substr(0, slash);
  }
  auto host = core::normalize_host(raw);
  if (!host || host->kind == core::HostKind::domain) return std::nullopt;
  int max_prefix = host->kind == core::HostKind::ipv4 ? 32 : 128;
  if (prefix && (*prefix < 0 || *prefix > max_prefix)) return std::nullopt;
  if (prefix == max_prefix) prefix.reset();  // a /32 is one address
  IpValue value{host->kind, host->name, prefix};
  if (prefix) value.key += "/" + std::to_string(*prefix);
  return value;
}

bool ip_bytes(core::HostKind kind, const std::string& text, std::array<std::uint8_t, 16>& out) {
  out.fill(0);
  return inet_pton(kind == core::HostKind::ipv4 ? AF_INET : AF_INET6, text.c_str(), out.data()) ==
         1;
}

bool in_prefix(const std::array<std::uint8_t, 16>& addr, const std::array<std::uint8_t, 16>& net,
               int prefix) {
  int full = prefix / 8;
  if (std::memcmp(addr.data(), net.data(), static_cast<std::size_t>(full)) != 0) return false;
  int rest = prefix % 8;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xFF << (8 - rest));
  auto i = static_cast<std::size_t>(full);
  return (addr[i] & mask) == (net[i] & mask);
}

}  // namespace

std::optional<std::string> IndicatorSet::key_for(IocType type, std::string_view value) {
  std::string_view v = core::trim(value);
  if (v.empty()) return std::nullopt;
  switch (type) {
    case IocType::domain: {
      if (v.starts_with("*.")) v.remove_prefix(2);
      auto host = core::normalize_host(v);
      if (!host) return std::nullopt;
      return host->name;
    }
    case IocType::ipv4:
    case IocType::ipv6: {
      auto ip = parse_ip_value(v);
      if (!ip) return std::nullopt;
      return ip->key;
    }
    case IocType::url: {
      auto url = core::parse_url(v);
      if (!url) return std::string(v);  // kept verbatim; matched by exact text only
      return url->normalized();
    }
    case IocType::email: {
      std::string lower = core::to_lower_ascii(v);
      if (lower.starts_with("mailto:")) lower.erase(0, 7);
      if (lower.find('@') == std::string::npos) return std::nullopt;
      return lower;
    }
    case IocType::file_path:
      return canonical_path(v);
    case IocType::md5:
    case IocType::sha1:
    case IocType::sha256:
      return lower_hex(v, false);
    case IocType::app_cert:
      return lower_hex(v, true);
    case IocType::profile: {
      if (v.starts_with('{') && v.ends_with('}')) v = v.substr(1, v.size() - 2);
      return core::to_lower_ascii(v);
    }
    case IocType::app_id:
    case IocType::android_property:
      return core::to_lower_ascii(v);
    case IocType::process:
    case IocType::file_name:
      return std::string(v);
  }
  return std::nullopt;
}

std::uint32_t IndicatorSet::add_source(SourceFile source) {
  sources_.push_back(std::move(source));
  return static_cast<std::uint32_t>(sources_.size() - 1);
}

IndicatorSet::Added IndicatorSet::add(IocType declared, std::string_view raw_value,
                                      std::vector<Attribution> attributions) {
  assert(!finalized_ && "add() after finalize()");
  assert(!attributions.empty());
  Added result;
  std::string_view raw = core::trim(raw_value);
  IocType type = declared;
  std::string key;
  std::string display;

  switch (declared) {
    case IocType::domain:
    case IocType::ipv4:
    case IocType::ipv6: {
      if (auto ip = parse_ip_value(raw)) {
        type = ip->kind == core::HostKind::ipv4 ? IocType::ipv4 : IocType::ipv6;
        if (declared == IocType::domain) result.problem = "an IP address given as a domain name";
        key = display = ip->key;
        break;
      }
      if (declared != IocType::domain) {
        result.problem = "not a valid IP address or network";
        return result;
      }
      auto domain = key_for(IocType::domain, raw);
      if (!domain) {
        // Some feeds put a whole URL in domain-name:value; its host is what they mean.
        if (auto url = core::parse_url(raw); url && url->host.kind == core::HostKind::domain) {
          domain = url->host.name;
          result.problem = "a URL given as a domain name; its host is used";
        } else {
          result.problem = "not a valid domain name";
          return result;
        }
      }
      // A single label ("despachosnegocios" in one feed, "com" by mistake) is kept for exact
      // matches only: as a parent domain it would match a whole top-level domain.
      if (domain->find('.') == std::string::npos)
        result.problem = "a single-label domain; matched exactly, never as a parent domain";
      key = display = *domain;
      break;
    }
    case IocType::md5:
    case IocType::sha1:
    case IocType::sha256: {
      auto hex = key_for(declared, raw);
      auto by_length = hex ? hash_type_for_length(hex->size()) : std::nullopt;
      if (!by_length) {
        result.problem = "not an MD5, SHA-1 or SHA-256 hex digest";
        return result;
      }
      if (*by_length != declared) result.problem = "hash length does not fit its algorithm";
      type = *by_length;
      key = display = *hex;
      break;
    }
    default: {
      auto k = key_for(declared, raw);
      if (!k || k->empty()) {
        result.problem = "empty or malformed value";
        return result;
      }
      key = std::move(*k);
      display = std::string(raw);
      break;
    }
  }

  auto& by_key = by_key_[index_of(type)];
  auto [it, inserted] = by_key.try_emplace(key, static_cast<std::uint32_t>(indicators_.size()));
  if (inserted) {
    indicators_.push_back(Indicator{type, std::move(display), std::move(key), {}});
  }
  Indicator& indicator = indicators_[it->second];
  for (Attribution& attribution : attributions) {
    bool known = std::any_of(indicator.attributions.begin(), indicator.attributions.end(),
                             [&](const Attribution& a) {
                               return a.source == attribution.source &&
                                      a.kind == attribution.kind && a.name == attribution.name;
                             });
    if (!known) indicator.attributions.push_back(std::move(attribution));
  }
  result.stored_as = type;
  return result;
}

void IndicatorSet::finalize() {
  std::array<std::vector<std::uint32_t>, kIocTypeCount> ids;
  for (std::uint32_t i = 0; i < indicators_.size(); ++i) {
    const Indicator& indicator = indicators_[i];
    if ((indicator.type == IocType::ipv4 || indicator.type == IocType::ipv6) &&
        indicator.key.find('/') != std::string::npos) {
      auto ip = parse_ip_value(indicator.key);
      Cidr cidr;
      if (ip && ip->prefix) {
        std::string address = ip->key.substr(0, ip->key.find('/'));
        if (ip_bytes(ip->kind, address, cidr.network)) {
          cidr.prefix = *ip->prefix;
          cidr.v6 = ip->kind == core::HostKind::ipv6;
          cidr.indicator = i;
          cidrs_.push_back(cidr);
        }
      }
      continue;
    }
    ids[index_of(indicator.type)].push_back(i);
    if (indicator.type == IocType::process) {
      for (std::size_t limit : {kAndroidProcessNameLimit, kIosProcessNameLimit}) {
        if (indicator.key.size() > limit)
          process_prefix_[std::to_string(limit) + ":" + indicator.key.substr(0, limit)].push_back(
              i);
      }
    }
  }
  for (std::uint32_t id : ids[index_of(IocType::url)]) {
    auto url = core::parse_url(indicators_[id].key);
    if (!url) {
      has_verbatim_urls_ = true;
      continue;
    }
    url_hosts_.push_back(url->host.name);
  }
  // Shortened links also need the full parse (the path decides for goo.gl/maps).
  for (std::string_view shortener : core::url_shortener_hosts()) url_hosts_.emplace_back(shortener);
  std::sort(url_hosts_.begin(), url_hosts_.end());
  url_hosts_.erase(std::unique(url_hosts_.begin(), url_hosts_.end()), url_hosts_.end());
  std::vector<std::uint32_t> host_ids(url_hosts_.size());
  for (std::uint32_t i = 0; i < host_ids.size(); ++i) host_ids[i] = i;
  url_host_index_.build(host_ids,
                        [this](std::uint32_t i) { return std::string_view(url_hosts_[i]); });
  auto key_of = [this](std::uint32_t id) -> std::string_view { return indicators_[id].key; };
  for (std::size_t t = 0; t < kIocTypeCount; ++t) {
    index_[t].build(ids[t], key_of);
    by_key_[t] = {};
  }
  finalized_ = true;
}

std::size_t IndicatorSet::count(IocType type) const {
  return static_cast<std::size_t>(
      std::count_if(indicators_.begin(), indicators_.end(),
                    [type](const Indicator& i) { return i.type == type; }));
}

const Indicator* IndicatorSet::find(IocType type, std::string_view key) const {
  assert(finalized_ && "matching before finalize()");
  auto id = index_[index_of(type)].find(key, FlatIndex::hash(key), [this](std::uint32_t i) {
    return std::string_view(indicators_[i].key);
  });
  return id < 0 ? nullptr : &indicators_[static_cast<std::size_t>(id)];
}

void IndicatorSet::lookup(IocType type, std::string_view key, std::vector<Match>& out,
                          Match flags) const {
  if (const Indicator* indicator = find(type, key)) {
    flags.indicator = indicator;
    out.push_back(flags);
  }
}

void IndicatorSet::match_domain_key(std::string_view key, std::vector<Match>& out) const {
  lookup(IocType::domain, key, out);
  // Every parent domain with at least two labels: "a.b.evil.com" -> "b.evil.com" -> "evil.com".
  std::size_t last_dot = key.rfind('.');
  for (std::size_t dot = key.find('.'); dot != last_dot; dot = key.find('.', dot + 1))
    lookup(IocType::domain, key.substr(dot + 1), out, Match{nullptr, false, true});
}

const Indicator* IndicatorSet::find_domain(std::string_view host) const {
  thread_local std::string buffer;
  std::string_view key;
  if (core::normalize_ascii_domain(host, buffer)) {
    key = buffer;
  } else {
    auto normalised = core::normalize_host(host);
    if (!normalised) return nullptr;
    if (normalised->kind != core::HostKind::domain) {
      auto matches = match_ip(normalised->name);
      return matches.empty() ? nullptr : matches.front().indicator;
    }
    buffer = std::move(normalised->name);
    key = buffer;
  }
  if (const Indicator* exact = find(IocType::domain, key)) return exact;
  std::size_t last_dot = key.rfind('.');
  for (std::size_t dot = key.find('.'); dot != last_dot; dot = key.find('.', dot + 1)) {
    if (const Indicator* parent = find(IocType::domain, key.substr(dot + 1))) return parent;
  }
  return nullptr;
}

std::vector<Match> IndicatorSet::match_domain(std::string_view host) const {
  std::vector<Match> out;
  auto normalised = core::normalize_host(core::trim(host));
  if (!normalised) return out;
  if (normalised->kind != core::HostKind::domain) return match_ip(normalised->name);
  match_domain_key(normalised->name, out);
  return out;
}

std::vector<Match> IndicatorSet::match_ip(std::string_view address) const {
  std::vector<Match> out;
  auto ip = parse_ip_value(address);
  if (!ip || ip->prefix) return out;
  bool v4 = ip->kind == core::HostKind::ipv4;
  lookup(v4 ? IocType::ipv4 : IocType::ipv6, ip->key, out);
  if (!cidrs_.empty()) {
    std::array<std::uint8_t, 16> bytes{};
    if (ip_bytes(ip->kind, ip->key, bytes)) {
      for (const Cidr& cidr : cidrs_)
        if (cidr.v6 == !v4 && in_prefix(bytes, cidr.network, cidr.prefix))
          out.push_back(Match{&indicators_[cidr.indicator], false, false});
    }
  }
  return out;
}

bool IndicatorSet::fast_url_host(std::string_view text, std::string& host) {
  std::size_t start = text.starts_with("https://") ? 8 : text.starts_with("http://") ? 7 : 0;
  if (start == 0) return false;
  std::size_t end = text.find_first_of("/?#", start);
  std::string_view authority =
      text.substr(start, end == std::string_view::npos ? text.npos : end - start);
  // A port is the only thing besides the host that the fast path accepts in the authority.
  if (std::size_t colon = authority.find(':'); colon != std::string_view::npos) {
    std::string_view port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string_view::npos)
      return false;
    authority = authority.substr(0, colon);
  }
  // normalize_ascii_domain refuses anything unusual ('@', '%', '[', '\\', IPv4, non-ASCII…).
  return core::normalize_ascii_domain(authority, host);
}

UrlCheck IndicatorSet::match_url(std::string_view url, const ShortUrlResolver& resolver) const {
  std::string_view text = core::trim(url);
  thread_local std::string host;
  if (!fast_url_host(text, host) ||
      url_host_index_.find(host, FlatIndex::hash(host), [this](std::uint32_t i) {
        return std::string_view(url_hosts_[i]);
      }) >= 0)
    return match_url_slow(text, resolver);
  UrlCheck check;
  check.parsed = true;
  if (has_verbatim_urls_) lookup(IocType::url, text, check.matches);
  match_domain_key(host, check.matches);
  return check;
}

UrlCheck IndicatorSet::match_url_slow(std::string_view text,
                                      const ShortUrlResolver& resolver) const {
  UrlCheck check;
  auto parsed = core::parse_url(text);
  if (!parsed) {
    // Not a URL: maybe a bare host.
    auto host = core::normalize_host(text);
    if (!host) return check;
    check.parsed = true;
    check.matches =
        host->kind == core::HostKind::domain ? match_domain(host->name) : match_ip(host->name);
    return check;
  }
  check.parsed = true;
  lookup(IocType::url, parsed->normalized(), check.matches);
  if (check.matches.empty()) lookup(IocType::url, text, check.matches);  // verbatim url IOCs
  if (parsed->host.kind == core::HostKind::domain) {
    match_domain_key(parsed->host.name, check.matches);
  } else {
    auto ip = match_ip(parsed->host.name);
    check.matches.insert(check.matches.end(), ip.begin(), ip.end());
  }
  check.shortened = core::is_url_shortener(*parsed);
  if (check.shortened && resolver) {
    if (auto target = resolver(std::string(text)); target && *target != text) {
      check.expanded = *target;
      UrlCheck resolved = match_url(*target);  // the resolver already followed every hop
      check.matches.insert(check.matches.end(), resolved.matches.begin(), resolved.matches.end());
    }
  }
  return check;
}

std::vector<TextMatch> IndicatorSet::match_text(std::string_view text,
                                                const ShortUrlResolver& resolver) const {
  std::vector<TextMatch> out;
  for (auto& link : core::extract_links(text)) {
    UrlCheck check = match_url(link.text, resolver);
    if (check.matches.empty() && !check.shortened) continue;
    out.push_back(TextMatch{std::move(link.text), link.offset, std::move(check)});
  }
  return out;
}

std::vector<Match> IndicatorSet::match_process(std::string_view name, Platform platform) const {
  std::vector<Match> out;
  std::string_view base = core::path_basename(core::trim(name));
  if (base.empty()) return out;
  lookup(IocType::process, base, out);
  // The kernel keeps only the first 16 (iOS) or 15 (Android) bytes of a process name: a name of
  // exactly that length may be the start of a longer indicator.
  for (std::size_t limit : {kAndroidProcessNameLimit, kIosProcessNameLimit}) {
    if (base.size() != limit) continue;
    if (platform == Platform::ios && limit != kIosProcessNameLimit) continue;
    if (platform == Platform::android && limit != kAndroidProcessNameLimit) continue;
    auto it = process_prefix_.find(std::to_string(limit) + ":" + std::string(base));
    if (it == process_prefix_.end()) continue;
    for (std::uint32_t id : it->second) out.push_back(Match{&indicators_[id], true, false});
  }
  return out;
}

std::vector<Match> IndicatorSet::match_exact(IocType type, std::string_view value) const {
  std::vector<Match> out;
  if (auto key = key_for(type, value)) lookup(type, *key, out);
  return out;
}

std::vector<Match> IndicatorSet::match_email(std::string_view address) const {
  return match_exact(IocType::email, address);
}

std::vector<Match> IndicatorSet::match_file_name(std::string_view name) const {
  std::vector<Match> out;
  std::string_view v = core::trim(name);
  if (!v.empty()) lookup(IocType::file_name, v, out);
  return out;
}

std::vector<Match> IndicatorSet::match_file_path(std::string_view path) const {
  std::vector<Match> out;
  // Reused per thread: Manifest checks every file of the backup.
  thread_local std::string canonical;
  canonical_path(path, canonical);
  if (canonical.empty()) return out;
  // The path itself, then every ancestor folder: an IOC folder matches everything below it, and
  // only on a component boundary ("/tmp/hooker" never matches "/tmp/hooker2").
  std::string_view p = canonical;
  lookup(IocType::file_path, p, out);
  for (std::size_t slash = p.rfind('/'); slash != std::string_view::npos && slash > 0;
       slash = p.rfind('/', slash - 1)) {
    lookup(IocType::file_path, p.substr(0, slash), out);
  }
  std::string_view base = core::path_basename(p);
  if (!base.empty()) lookup(IocType::file_name, base, out);
  // Some feeds publish whole paths as file names (file:name='/var/foobar/txt').
  if (base.size() != p.size()) lookup(IocType::file_name, core::trim(path), out);
  return out;
}

std::vector<Match> IndicatorSet::match_hash(std::string_view hex) const {
  std::vector<Match> out;
  auto key = lower_hex(hex, false);
  if (!key) return out;
  if (auto type = hash_type_for_length(key->size())) lookup(*type, *key, out);
  return out;
}

std::vector<Match> IndicatorSet::match_app_id(std::string_view id) const {
  return match_exact(IocType::app_id, id);
}

std::vector<Match> IndicatorSet::match_app_cert(std::string_view hash) const {
  return match_exact(IocType::app_cert, hash);
}

std::vector<Match> IndicatorSet::match_profile(std::string_view uuid) const {
  return match_exact(IocType::profile, uuid);
}

std::vector<Match> IndicatorSet::match_android_property(std::string_view name) const {
  return match_exact(IocType::android_property, name);
}

}  // namespace vigil::indicators
