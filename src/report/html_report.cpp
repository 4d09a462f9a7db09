#include "report/html_report.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <fcntl.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/file.hpp"
#include "core/hash.hpp"
#include "core/json_out.hpp"
#include "core/plist.hpp"
#include "indicators/bundled.hpp"
#include "report/alert_explanations.hpp"
#include "report/assets.hpp"
#include "report/writers.hpp"

namespace vigil::report {

namespace {

namespace fs = std::filesystem;
using modules::Json;

// MVT writes indented module files; past this size they are not embedded.
constexpr std::uintmax_t kMaxParsedModuleFile = 64u << 20;
// simdjson's batch size: the longest timeline.jsonl line it can read.
constexpr std::size_t kMaxTimelineLine = 64u << 20;
// Module files are read 64 KiB at a time: the reader stops after their first records, and a read
// past the part kept in the page cache goes to the disk.
constexpr std::size_t kReadChunk = 64u << 10;

std::optional<std::string> read_file(const fs::path& path) { return core::read_whole_file(path); }

std::optional<Json> read_json(const fs::path& path) {
  auto text = read_file(path);
  if (!text) return std::nullopt;
  auto j = Json::parse(*text, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

// CSP source expression for an inline element: 'sha256-<base64 of the digest>'.
std::string csp_hash(std::string_view content) {
  std::string hex = core::sha256_hex(content), raw;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    raw += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return "sha256-" + core::base64_encode(raw);
}

std::string feed_date(const std::string& path) {
  constexpr std::string_view kBundled = "bundled:";
  if (path.starts_with(kBundled)) {
    for (const auto& f : indicators::bundled_files())
      if (f.path == std::string_view(path).substr(kBundled.size())) return stix2_feed_date(f.data);
    return "";
  }
  auto bytes = read_file(path);
  return bytes ? stix2_feed_date(*bytes) : "";
}

void append_safe_string(std::string& out, std::string_view text, std::string& scratch) {
  scratch.clear();
  core::append_json_string(scratch, text);
  append_html_safe_json(out, scratch);
}

void append_safe(std::string& out, const Json& value, std::string& scratch) {
  scratch.clear();
  core::append_json(scratch, value);
  append_html_safe_json(out, scratch);
}

// Reads a file line by line through one buffer: no allocation or copy per line.
class LineReader {
 public:
  /// `buffer` is the caller's, reused from file to file: a new megabyte per module file was
  /// zero-filled and faulted in again each time.
  LineReader(const fs::path& path, std::vector<char>& buffer)
      : file_(std::fopen(path.c_str(), "rb"), &std::fclose), buffer_(buffer) {
    if (buffer_.size() < (1u << 20)) buffer_.resize(1u << 20);
    // Only the file's start is in the page cache (BufferedFile::Cache::keep_first) and only its
    // first records are read: no read-ahead past them from the disk.
    if (file_ != nullptr) posix_fadvise(fileno(file_.get()), 0, 0, POSIX_FADV_RANDOM);
  }
  /// The next line without its '\n' (valid until the next call), or nullopt at the end of the
  /// file, at a read error or at a line longer than `max_line`.
  std::optional<std::string_view> next(std::size_t max_line) {
    for (;;) {
      if (const void* nl = std::memchr(buffer_.data() + pos_, '\n', end_ - pos_)) {
        const auto at = static_cast<std::size_t>(static_cast<const char*>(nl) - buffer_.data());
        std::string_view line(buffer_.data() + pos_, at - pos_);
        pos_ = at + 1;
        return line;
      }
      if (file_ == nullptr || done_) {
        if (pos_ == end_) return std::nullopt;
        std::string_view last(buffer_.data() + pos_, end_ - pos_);
        pos_ = end_;
        return last;
      }
      std::memmove(buffer_.data(), buffer_.data() + pos_, end_ - pos_);
      end_ -= pos_;
      pos_ = 0;
      if (end_ == buffer_.size()) {
        if (buffer_.size() > max_line) return std::nullopt;
        buffer_.resize(2 * buffer_.size());
      }
      const std::size_t got = std::fread(buffer_.data() + end_, 1,
                                         std::min(buffer_.size() - end_, kReadChunk), file_.get());
      end_ += got;
      done_ = got == 0;
    }
  }

 private:
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_;
  std::vector<char>& buffer_;
  std::size_t pos_ = 0, end_ = 0;
  bool done_ = false;
};

// The first records of `<slug>.json` as a JSON array. vigil's files hold one compact record per
// line and are copied line by line without parsing; other shapes (MVT's) are parsed.
void append_module_rows(BufferedFile& file, const fs::path& path, std::vector<char>& buffer) {
  std::string& out = file.buffer();
  std::size_t shown = 0;
  out += '[';
  LineReader in(path, buffer);
  // vigil's layout is known from its first two lines; rows are written (and flushed) as read, so a
  // later line that is not a record ends the rows instead of starting over.
  auto first = in.next(kMaxTimelineLine);
  auto line = first && *first == "[" ? in.next(kMaxTimelineLine) : std::nullopt;
  if (line && (*line == "]" || line->starts_with('{'))) {
    for (; line && shown < kReportModuleRows; line = in.next(kMaxTimelineLine)) {
      std::string_view row = *line;
      if (row == "]") break;
      if (!row.empty() && row.back() == ',') row.remove_suffix(1);
      if (row.empty() || row.front() != '{') break;
      if (shown++ != 0) out += ',';
      append_html_safe_json(out, row);
      file.maybe_flush();
    }
  } else {
    std::string scratch;
    std::error_code ec;
    auto size = fs::file_size(path, ec);
    auto all = !ec && size <= kMaxParsedModuleFile ? read_json(path) : std::nullopt;
    if (all && all->is_array())
      for (const auto& r : *all) {
        if (shown == kReportModuleRows) break;
        if (shown++ != 0) out += ',';
        append_safe(out, r, scratch);
        file.maybe_flush();
      }
  }
  out += ']';
}

std::size_t count_lines(const fs::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return 0;
  std::vector<char> buffer(1 << 20);
  std::size_t lines = 0, n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), f)) > 0)
    lines += static_cast<std::size_t>(std::count(buffer.data(), buffer.data() + n, '\n'));
  std::fclose(f);
  return lines;
}

}  // namespace

void append_html_safe_json(std::string& out, std::string_view json) {
  std::size_t run = 0;
  for (std::size_t i = 0; i < json.size(); ++i) {
#if defined(__SSE2__)
    // Most text has none of the four bytes that need a look: skipped 16 at a time.
    const __m128i lt = _mm_set1_epi8('<'), gt = _mm_set1_epi8('>'), amp = _mm_set1_epi8('&'),
                  e2 = _mm_set1_epi8('\xE2');
    while (i + 16 <= json.size()) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(json.data() + i));
      const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, lt), _mm_cmpeq_epi8(v, gt)),
                                       _mm_or_si128(_mm_cmpeq_epi8(v, amp), _mm_cmpeq_epi8(v, e2)));
      const int mask = _mm_movemask_epi8(hit);
      if (mask != 0) {
        i += static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
        break;
      }
      i += 16;
    }
    if (i == json.size()) break;
#endif
    char c = json[i];
    const char* escape = nullptr;
    std::size_t skip = 1;
    if (c == '<')
      escape = "\\u003c";
    else if (c == '>')
      escape = "\\u003e";
    else if (c == '&')
      escape = "\\u0026";
    else if (c == '\xE2' && i + 2 < json.size() && json[i + 1] == '\x80' &&
             (json[i + 2] == '\xA8' || json[i + 2] == '\xA9')) {
      escape = json[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
      skip = 3;
    }
    if (escape == nullptr) continue;
    out.append(json, run, i - run);
    out += escape;
    i += skip - 1;
    run = i + 1;
  }
  out.append(json, run, json.size() - run);
}

std::string stix2_feed_date(std::string_view bytes) {
  std::string newest;
  for (std::string_view key : {"\"created\"", "\"modified\""}) {
    for (auto at = bytes.find(key); at != std::string_view::npos; at = bytes.find(key, at + 1)) {
      auto quote = bytes.find('"', bytes.find(':', at + key.size()));
      if (quote == std::string_view::npos || quote + 11 > bytes.size()) break;
      std::string_view date = bytes.substr(quote + 1, 10);
      if (date.size() == 10 && date[4] == '-' && date[7] == '-' && date > newest)
        newest = std::string(date);
    }
  }
  return newest;
}

namespace {

constexpr std::string_view kScriptHash = "@VIGIL_SCRIPT_HASH@", kStyleHash = "@VIGIL_STYLE_HASH@",
                           kStyle = "@VIGIL_STYLE@", kData = "@VIGIL_DATA@",
                           kScript = "@VIGIL_SCRIPT@";

}  // namespace

HtmlReportWriter::HtmlReportWriter(std::size_t max_events) : max_events_(max_events) {}
HtmlReportWriter::~HtmlReportWriter() = default;

bool HtmlReportWriter::open(const fs::path& dir, std::size_t expected_events) {
  dir_ = dir;
  if (!file_.open(dir / "report.html")) return false;
  // The page up to its data block, whose first member is the timeline (its events are written as
  // they come; the other members follow in finish()).
  const std::string_view page = assets::page_html(), style = assets::style_css(),
                         script = assets::script_js();
  const std::array<std::pair<std::string_view, std::string>, 3> parts{{
      {kScriptHash, csp_hash(script)},
      {kStyleHash, csp_hash(style)},
      {kStyle, std::string(style)},
  }};
  std::string& out = file_.buffer();
  std::size_t from = 0;
  for (const auto& [marker, text] : parts) {
    auto at = page.find(marker);
    out.append(page.substr(from, at - from));
    out += text;
    from = at + marker.size();
  }
  auto at = page.find(kData);
  out.append(page.substr(from, at - from));
  page_rest_ = at + kData.size();
  out += "{\"timeline\":{\"d\":[";
  skip_ = expected_events > max_events_ ? expected_events - max_events_ : 0;
  const std::size_t kept = std::min(expected_events, max_events_);
  times_.reserve(kept);
  modules_of_.reserve(kept);
  kinds_of_.reserve(kept);
  return true;
}

std::uint32_t HtmlReportWriter::module_index(std::string_view slug, std::string_view name) {
  // Events come grouped by time, not module: a short linear search over the modules seen.
  for (std::size_t i = 0; i < modules_.size(); ++i)
    if (modules_[i].first == slug) return static_cast<std::uint32_t>(i);
  modules_.emplace_back(std::string(slug), std::string(name));
  return static_cast<std::uint32_t>(modules_.size() - 1);
}

std::uint32_t HtmlReportWriter::kind_index(std::string_view kind) {
  auto it = kind_index_.find(std::string(kind));
  if (it != kind_index_.end()) return it->second;
  kinds_.emplace_back(kind);
  return kind_index_.emplace(std::string(kind), static_cast<std::uint32_t>(kinds_.size() - 1))
      .first->second;
}

void HtmlReportWriter::event(core::Micros when, std::string_view slug, std::string_view name,
                             std::string_view kind, std::string_view message) {
  if (skip_ > 0) {
    --skip_;
    return;
  }
  if (times_.size() == max_events_) return;
  std::string& out = file_.buffer();
  if (!times_.empty()) out += ',';
  append_safe_string(out, message, scratch_);
  file_.maybe_flush();
  times_.push_back(when);
  modules_of_.push_back(module_index(slug, name));
  kinds_of_.push_back(kind_index(kind));
}

bool HtmlReportWriter::add_timeline_jsonl(const fs::path& jsonl) {
  std::ifstream in(jsonl, std::ios::binary);
  if (!in) return false;
  std::string line;
  simdjson::ondemand::parser parser;
  while (std::getline(in, line)) {
    if (line.empty() || line.size() > kMaxTimelineLine) continue;
    line.reserve(line.size() + simdjson::SIMDJSON_PADDING);
    simdjson::ondemand::document doc;
    if (parser.iterate(simdjson::padded_string_view(line.data(), line.size(), line.capacity()))
            .get(doc) != simdjson::SUCCESS)
      continue;
    std::string_view message, kind, data_type, name;
    std::int64_t when = 0;
    simdjson::ondemand::object obj;
    if (doc.get_object().get(obj) != simdjson::SUCCESS) continue;
    if (obj["message"].get_string().get(message) || obj["timestamp"].get_int64().get(when) ||
        obj["timestamp_desc"].get_string().get(kind) ||
        obj["data_type"].get_string().get(data_type) || obj["module"].get_string().get(name))
      continue;
    // The views stay valid until the next line is parsed.
    event(when, data_type.substr(data_type.rfind(':') + 1), name, kind, message);
  }
  return true;
}

bool HtmlReportWriter::finish(std::size_t total_events, std::string& error,
                              HtmlReportStats* stats) {
  const fs::path& dir = dir_;
  std::string& out = file_.buffer();
  std::string scratch;
  // The rest of the timeline: its small columns, then the other members of the data block.
  auto append_numbers = [&](const auto& values) {
    out += '[';
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i != 0) out += ',';
      core::append_json_number(out, static_cast<std::int64_t>(values[i]));
      file_.maybe_flush();
    }
    out += ']';
  };
  out += "],\"t\":";
  append_numbers(times_);
  out += ",\"m\":";
  append_numbers(modules_of_);
  out += ",\"k\":";
  append_numbers(kinds_of_);
  out += ",\"total\":";
  core::append_json_number(out, static_cast<std::int64_t>(total_events));
  Json mods = Json::array();
  for (const auto& [slug, name] : modules_) mods.push_back({{"slug", slug}, {"name", name}});
  out += ",\"modules\":";
  append_safe(out, mods, scratch);
  out += ",\"kinds\":";
  append_safe(out, Json(kinds_), scratch);
  out += '}';

  auto info = read_json(dir / "info.json");
  if (!info || !info->is_object()) {
    error = "cannot read " + (dir / "info.json").string();
    return false;
  }
  auto device = read_json(dir / "backup_info.json");
  auto alerts = read_json(dir / "alerts.json");
  if (!alerts || !alerts->is_array()) alerts = Json::array();

  out += ",\"generated_by\":";
  append_safe(out, Json("vigil " VIGIL_VERSION), scratch);
  Json run = *info;
  run.erase("ioc_files");
  out += ",\"run\":";
  append_safe(out, run, scratch);
  out += ",\"device\":";
  append_safe(out, device && device->is_object() ? *device : Json(nullptr), scratch);
  Json acquisition = Json::object();
  if (device && device->is_object()) {
    acquisition["type"] = "iOS backup (iTunes/Finder)";
    acquisition["date"] = modules::field(*device, "Last Backup Date");
  }
  out += ",\"acquisition\":";
  append_safe(out, acquisition, scratch);
  Json feeds = Json::array();
  for (const auto& f : modules::field(*info, "ioc_files")) {
    // MVT's info.json lists bare paths.
    Json feed = f.is_string() ? Json{{"path", f}, {"sha256", ""}, {"indicators", ""}} : f;
    // vigil's info.json has the date from loading the file; MVT's and older ones do not.
    if (!feed.contains("date") || !feed["date"].is_string())
      feed["date"] = feed_date(feed.value("path", ""));
    feeds.push_back(std::move(feed));
  }
  out += ",\"feeds\":";
  append_safe(out, feeds, scratch);
  Json explanations = Json::object();
  out += ",\"alerts\":[";
  bool first = true;
  for (auto a : *alerts) {
    auto kind = alert_kind(a);
    a["kind"] = kind;
    const auto& x = explain(kind);
    explanations[std::string(kind)] = {
        {"title", x.title}, {"what", x.what}, {"why", x.why}, {"not_proof", x.not_proof}};
    if (!first) out += ',';
    first = false;
    append_safe(out, a, scratch);
  }
  out += "],\"explanations\":";
  append_safe(out, explanations, scratch);
  out += ",\"modules\":[";
  first = true;
  std::vector<char> line_buffer;
  for (auto m : modules::field(*info, "modules")) {
    if (!m.is_object()) continue;
    std::string slug = m.value("module", "");
    if (!first) out += ',';
    first = false;
    if (!m.contains("warnings")) m["warnings"] = Json::array();
    if (!m.contains("not_present")) m["not_present"] = Json::array();
    m["slug"] = slug;
    m.erase("module");
    std::string dumped;
    core::append_json(dumped, m);
    dumped.pop_back();  // reopen the object for its rows
    append_html_safe_json(out, dumped);
    out += ",\"rows\":";
    if (slug.find('/') == std::string::npos && !slug.empty())
      append_module_rows(file_, dir / (slug + ".json"), line_buffer);
    else
      out += "[]";
    out += '}';
    file_.maybe_flush();
  }
  out += "]}";
  const std::string_view page = assets::page_html(), script = assets::script_js();
  auto at = page.find(kScript, page_rest_);
  out.append(page.substr(page_rest_, at - page_rest_));
  out += script;
  out.append(page.substr(at + kScript.size()));
  if (!file_.close()) {
    error = "cannot write " + (dir / "report.html").string();
    return false;
  }
  if (stats) {
    std::error_code ec;
    stats->bytes = fs::file_size(dir / "report.html", ec);
    stats->events = times_.size();
  }
  return true;
}

bool write_html_report(const fs::path& dir, std::string& error, HtmlReportStats* stats) {
  if (!fs::is_regular_file(dir / "info.json")) {
    error = "cannot read " + (dir / "info.json").string();
    return false;
  }
  const fs::path jsonl = dir / "timeline.jsonl";
  const std::size_t lines = fs::exists(jsonl) ? count_lines(jsonl) : 0;
  HtmlReportWriter writer;
  if (!writer.open(dir, lines)) {
    error = "cannot write " + (dir / "report.html").string();
    return false;
  }
  if (lines > 0) writer.add_timeline_jsonl(jsonl);
  return writer.finish(lines, error, stats);
}

}  // namespace vigil::report
