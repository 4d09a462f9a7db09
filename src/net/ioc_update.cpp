#include "net/ioc_update.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <exception>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>

#include "core/file.hpp"

namespace vigil::net {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kStixSuffix = ".stix2";
constexpr std::size_t kMaxNameBase = 200;  // well under NAME_MAX (255) with suffix and temp decor
constexpr std::size_t kMaxIndexBytes = 4u << 20;

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool is_name_char(char c) { return is_alnum(c) || c == '.' || c == '_' || c == '-'; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && lower(s.substr(0, prefix.size())) == prefix;
}

std::string keep_name_chars(std::string_view s) {
  std::string out;
  for (char c : s)
    if (is_name_char(c)) out.push_back(c);
  return out;
}

// Turns an already filtered name into a safe, visible file name ending in ".stix2": no leading dot
// (so never ".", "..", hidden, or mistaken for one of our temporary files), never empty, bounded.
std::string finish_name(std::string name) {
  name.erase(0, name.find_first_not_of('.'));
  if (name.empty()) name = "indicators";
  if (!name.ends_with(kStixSuffix)) name += kStixSuffix;
  if (name.size() > kMaxNameBase + kStixSuffix.size())
    name = name.substr(0, kMaxNameBase) + std::string(kStixSuffix);
  return name;
}

// "<base>.stix2" -> "<base>-<n>.stix2", for two URLs whose sanitised names collide.
std::string numbered_name(const std::string& name, int n) {
  return name.substr(0, name.size() - kStixSuffix.size()) + "-" + std::to_string(n) +
         std::string(kStixSuffix);
}

// GitHub owner and repository names are [A-Za-z0-9._-]; anything else (and "." or "..", which a
// URL parser would resolve away) means the entry cannot be trusted to name a raw file.
bool valid_github_name(std::string_view s) {
  if (s.empty() || s == "." || s == "..") return false;
  return std::all_of(s.begin(), s.end(), is_name_char);
}

// A branch or file path: '/'-separated segments, none empty, "." or "..", no control characters.
bool valid_github_path(std::string_view s) {
  if (s.empty()) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = s.find('/', start);
    const std::string_view segment =
        s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return std::none_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f || c == '\\';
  });
}

// Percent-encodes everything but RFC 3986 unreserved characters and '/'.
std::string encode_path(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    if (is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out.push_back(c);
    } else {
      const auto u = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    }
  }
  return out;
}

struct UrlParts {
  std::string host;
  std::string last_segment;
};

// Just enough URL splitting to name a download_url file; curl does the real parsing. Returns
// nullopt for anything that is not an absolute http(s) URL with a host.
std::optional<UrlParts> split_web_url(std::string_view url) {
  std::size_t rest = 0;
  if (starts_with_ci(url, "https://")) {
    rest = 8;
  } else if (starts_with_ci(url, "http://")) {
    rest = 7;
  } else {
    return std::nullopt;
  }
  if (std::any_of(url.begin(), url.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u <= 0x20 || u == 0x7f;
      }))
    return std::nullopt;
  std::string_view tail = url.substr(rest);
  const std::size_t authority_end = std::min(tail.find_first_of("/?#"), tail.size());
  std::string_view authority = tail.substr(0, authority_end);
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1);
  std::string_view host = authority;
  if (!host.empty() && host.front() == '[') {
    host = host.substr(0, std::min(host.find(']') + 1, host.size()));
  } else if (const std::size_t colon = host.find(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (host.empty()) return std::nullopt;
  std::string_view path = tail.substr(authority_end);
  path = path.substr(0, std::min(path.find_first_of("?#"), path.size()));
  const std::size_t slash = path.rfind('/');
  UrlParts parts;
  parts.host = lower(host);
  parts.last_segment = std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
  return parts;
}

std::string local_name_for_url(const UrlParts& parts) {
  std::string segment = keep_name_chars(parts.last_segment);
  segment.erase(0, segment.find_first_not_of('.'));  // "x_.." must not look like a path step
  if (segment.empty()) segment = "indicators";
  return finish_name(keep_name_chars(parts.host) + "_" + segment);
}

// yaml-cpp's Type() queries throw on the "zombie" node a missing key yields: test IsDefined first.
bool is_map(const YAML::Node& node) { return node.IsDefined() && node.IsMap(); }

std::string scalar(const YAML::Node& map, const char* key) {
  if (!is_map(map)) return {};
  const YAML::Node value = map[key];
  if (!value.IsDefined() || !value.IsScalar()) return {};
  return value.Scalar();
}

std::string describe_failure(const HttpResponse& response) {
  if (!response.error.empty()) return response.error;
  return "HTTP status " + std::to_string(response.status);
}

std::string errno_text(int error) {
  return std::error_code(error, std::generic_category()).message();
}

std::optional<std::string> read_existing(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return std::move(bytes).str();
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  [[nodiscard]] int get() const { return fd_; }
  /// Closes now so that the caller sees close() errors (delayed write failures on some systems).
  int close() { return ::close(std::exchange(fd_, -1)); }

 private:
  int fd_;
};

// Writes `bytes` to a new temporary file beside `target`, flushes it to disk and renames it over
// `target`: a reader sees either the old or the new complete file, and a crash leaves at worst a
// stray ".<name>.tmp-*" (ignored: it does not end in ".stix2"). Returns an error message.
std::optional<std::string> replace_atomically(const fs::path& target, const std::string& bytes) {
  static std::atomic<unsigned long> counter{0};
  const fs::path temp =
      target.parent_path() / ("." + target.filename().string() + ".tmp-" +
                              std::to_string(::getpid()) + "-" + std::to_string(++counter));
  std::optional<std::string> error;
  {
    FileDescriptor fd(
        ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (fd.get() < 0) return "cannot create " + temp.string() + ": " + errno_text(errno);
    if (!core::write_all(fd.get(), bytes.data(), bytes.size())) error = errno_text(errno);
    if (!error && ::fsync(fd.get()) != 0) error = errno_text(errno);
    if (!error && fd.close() != 0) error = errno_text(errno);
    if (error) error = "cannot write " + temp.string() + ": " + *error;
  }
  if (!error && ::rename(temp.c_str(), target.c_str()) != 0)
    error = "cannot rename to " + target.string() + ": " + errno_text(errno);
  if (error) {
    ::unlink(temp.c_str());
    return error;
  }
  // Best effort: persist the rename itself.
  const int dir = ::open(target.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return std::nullopt;
}

// nullopt when the entry gives no usable http(s) URL.
std::optional<IndexEntry> parse_entry(const YAML::Node& node, const std::string& name,
                                      const std::string& raw_base) {
  if (!is_map(node)) return std::nullopt;
  IndexEntry entry;
  entry.name = name;

  const std::string type = scalar(node, "type");
  const YAML::Node github = node["github"];
  if (type == "github" || (type.empty() && is_map(github))) {
    const std::string owner = scalar(github, "owner");
    const std::string repo = scalar(github, "repo");
    std::string branch = scalar(github, "branch");
    if (branch.empty()) branch = "main";
    const std::string path = scalar(github, "path");
    if (raw_base.empty() || !valid_github_name(owner) || !valid_github_name(repo) ||
        !valid_github_path(branch) || !valid_github_path(path))
      return std::nullopt;
    entry.url =
        raw_base + "/" + owner + "/" + repo + "/" + encode_path(branch) + "/" + encode_path(path);
    entry.file_name = local_name_for_github(owner, repo, path);
    return entry;
  }
  const std::string url = scalar(node, "download_url");
  const std::optional<UrlParts> parts = split_web_url(url);
  if (!parts) return std::nullopt;
  entry.url = url;
  entry.file_name = local_name_for_url(*parts);
  return entry;
}

}  // namespace

std::string local_name_for_github(const std::string& owner, const std::string& repo,
                                  const std::string& path) {
  std::string joined = owner + "_" + repo + "_" + path;
  std::replace(joined.begin(), joined.end(), '/', '_');
  return finish_name(keep_name_chars(joined));
}

std::optional<std::vector<IndexEntry>> parse_index(const std::string& yaml_text,
                                                   const std::string& raw_base,
                                                   std::vector<std::string>& errors) {
  std::string base = raw_base;
  while (!base.empty() && base.back() == '/') base.pop_back();

  // yaml-cpp reports malformed input (and bad conversions) by throwing; it stops here.
  try {
    const YAML::Node root = YAML::Load(yaml_text);
    const YAML::Node list = is_map(root) ? root["indicators"] : YAML::Node();
    if (!list.IsDefined() || !list.IsSequence()) {
      errors.emplace_back("the indicators index has no `indicators` list");
      return std::nullopt;
    }
    std::vector<IndexEntry> entries;
    std::set<std::string> urls;
    std::set<std::string> names;
    std::size_t position = 0;
    for (const YAML::Node& node : list) {
      std::string name = scalar(node, "name");
      if (name.empty()) name = "entry #" + std::to_string(position + 1);
      std::optional<IndexEntry> entry = parse_entry(node, name, base);
      if (!entry) {
        errors.push_back("Could not find a way to download indicator file for " + name);
      } else if (urls.insert(entry->url).second) {
        // Distinct URLs must never share a local file, or one would silently overwrite the other.
        const std::string wanted = entry->file_name;
        for (int n = 2; !names.insert(entry->file_name).second; ++n)
          entry->file_name = numbered_name(wanted, n);
        entries.push_back(std::move(*entry));
      }
      ++position;
    }
    return entries;
  } catch (const YAML::Exception& e) {
    errors.push_back(std::string("the indicators index is not valid YAML: ") + e.what());
  } catch (const std::exception& e) {
    errors.push_back(std::string("cannot read the indicators index: ") + e.what());
  }
  return std::nullopt;
}

bool DownloadResult::ok() const {
  return errors.empty() &&
         std::all_of(files.begin(), files.end(), [](const File& f) { return f.error.empty(); });
}

// No manifest or "last update" stamp is written: each file's mtime already says when it last
// changed, and the result tells the CLI what happened in this run.
DownloadResult download_iocs(const DownloadOptions& options) {
  DownloadResult result;
  if (options.destination.empty()) {
    result.errors.emplace_back("no destination folder for the indicators");
    return result;
  }
  std::error_code ec;
  fs::create_directories(options.destination, ec);
  if (ec) {
    result.errors.push_back("cannot create " + options.destination.string() + ": " + ec.message());
    return result;
  }

  HttpOptions index_options = options.http;
  index_options.max_body_bytes = std::min(index_options.max_body_bytes, kMaxIndexBytes);
  const HttpResponse index = http_get(options.index_url, index_options);
  if (!index.ok()) {
    result.errors.push_back("cannot download the indicators index " + options.index_url + ": " +
                            describe_failure(index));
    return result;
  }
  const std::optional<std::vector<IndexEntry>> entries =
      parse_index(index.body, options.raw_base, result.errors);
  if (!entries) return result;

  for (const IndexEntry& entry : *entries) {
    DownloadResult::File& file = result.files.emplace_back();
    file.name = entry.name;
    file.url = entry.url;
    file.path = options.destination / entry.file_name;

    const HttpResponse response = http_get(entry.url, options.http);
    if (!response.ok()) {
      file.error = "cannot download " + entry.url + ": " + describe_failure(response);
      continue;
    }
    if (options.validate) {
      if (std::optional<std::string> invalid = options.validate(response.body)) {
        file.error = "not a valid STIX2 bundle: " + *invalid;
        continue;
      }
    }
    if (read_existing(file.path) == response.body) continue;  // unchanged: keep mtime, no write
    if (std::optional<std::string> error = replace_atomically(file.path, response.body)) {
      file.error = std::move(*error);
      continue;
    }
    file.updated = true;
  }
  return result;
}

}  // namespace vigil::net
