#include "report/writers.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "core/json_out.hpp"
#include "core/time.hpp"

namespace vigil::report {

namespace fs = std::filesystem;
using modules::Json;

std::string dump(const Json& value, int indent) {
  return value.dump(indent, ' ', false, Json::error_handler_t::replace);
}

BufferedFile::~BufferedFile() { close(); }

void BufferedFile::FreeAligned::operator()(char* p) const { std::free(p); }

bool BufferedFile::open(const fs::path& path, Cache cache) {
  constexpr int kFlags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
  direct_ = false;
  if (cache == Cache::bypass) {
    if (!aligned_) aligned_.reset(static_cast<char*>(std::aligned_alloc(kDirectAlign, kFlushBytes)));
    if (aligned_) fd_ = ::open(path.c_str(), kFlags | O_DIRECT, 0666);
    direct_ = fd_ >= 0;
  }
  if (fd_ < 0) fd_ = ::open(path.c_str(), kFlags, 0666);
  failed_ = fd_ < 0;
  return !failed_;
}

bool BufferedFile::write_all(const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t written = ::write(fd_, data, size);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    data += written;
    size -= static_cast<std::size_t>(written);
  }
  return true;
}

void BufferedFile::stop_direct() {
  const int flags = ::fcntl(fd_, F_GETFL);
  if (flags < 0 || ::fcntl(fd_, F_SETFL, flags & ~O_DIRECT) != 0) failed_ = true;
  direct_ = false;
}

// Writes the first `size` bytes of buffer_ (whole blocks) through the aligned buffer. A file
// system that takes O_DIRECT at open but not these writes (EINVAL) gets them the ordinary way.
bool BufferedFile::write_direct(std::size_t size) {
  for (std::size_t done = 0; done < size;) {
    const std::size_t n = std::min(size - done, kFlushBytes);
    std::memcpy(aligned_.get(), buffer_.data() + done, n);
    const ssize_t written = ::write(fd_, aligned_.get(), n);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0 && errno == EINVAL) {
      stop_direct();
      return write_all(buffer_.data() + done, size - done);
    }
    // A short write leaves the offset unaligned: the rest goes the ordinary way.
    if (written <= 0) return false;
    done += static_cast<std::size_t>(written);
    if (static_cast<std::size_t>(written) != n) {
      stop_direct();
      return write_all(buffer_.data() + done, size - done);
    }
  }
  return true;
}

void BufferedFile::flush() {
  if (fd_ < 0 || buffer_.empty()) {
    buffer_.clear();
    return;
  }
  if (!direct_) {
    failed_ = !write_all(buffer_.data(), buffer_.size()) || failed_;
    buffer_.clear();
    return;
  }
  // Whole blocks now; the partial block stays at the front of the buffer for the next flush.
  const std::size_t blocks = buffer_.size() & ~(kDirectAlign - 1);
  failed_ = !write_direct(blocks) || failed_;
  buffer_.erase(0, blocks);
}

bool BufferedFile::close() {
  if (fd_ < 0) return !failed_;
  flush();
  if (direct_ && !buffer_.empty()) stop_direct();
  if (!buffer_.empty()) failed_ = !write_all(buffer_.data(), buffer_.size()) || failed_;
  buffer_.clear();
  failed_ = ::close(fd_) != 0 || failed_;
  fd_ = -1;
  return !failed_;
}

JsonRecordFile::JsonRecordFile(fs::path path, bool single_object)
    : path_(std::move(path)), single_object_(single_object) {}

bool JsonRecordFile::next_record() {
  if (failed_) return false;
  if (!file_.is_open()) {
    if (!file_.open(path_)) {
      failed_ = true;
      return false;
    }
    if (!single_object_) file_.buffer() += "[\n";
  }
  if (single_object_) return count_++ == 0;
  // One compact record per line: valid JSON, greppable, and no re-indentation pass per record.
  if (count_++ != 0) file_.buffer() += ",\n";
  return true;
}

void JsonRecordFile::write(const Json& record) {
  if (!next_record()) return;
  if (single_object_) {
    file_.buffer() += dump(record, 4);
    return;
  }
  core::append_json(file_.buffer(), record);
  file_.maybe_flush();
}

void JsonRecordFile::write_text(std::string_view record) {
  if (single_object_) {
    write(Json::parse(record, nullptr, false));
    return;
  }
  if (!next_record()) return;
  file_.buffer() += record;
  file_.maybe_flush();
}

bool JsonRecordFile::close() {
  if (!file_.is_open()) return !failed_;
  if (!single_object_) file_.buffer() += "\n]";
  file_.buffer() += "\n";
  failed_ = !file_.close() || failed_;
  return !failed_;
}

void append_csv_field(std::string& out, std::string_view value) {
  out += '"';
  for (std::size_t quote = value.find('"'); quote != std::string_view::npos;
       quote = value.find('"')) {
    out.append(value.substr(0, quote + 1));
    out += '"';
    value.remove_prefix(quote + 1);
  }
  out.append(value);
  out += '"';
}

bool write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

Json alert_json(const modules::Alert& alert) {
  Json out;
  out["level"] = std::string(modules::to_string(alert.level));
  out["module"] = alert.module;
  out["message"] = alert.message;
  out["event_time"] = alert.event_time ? core::format_iso(*alert.event_time) : "";
  out["event"] = alert.event;
  out["matched_indicator"] = alert.matched_indicator;
  return out;
}

bool write_alerts(const fs::path& dir, const std::vector<ModuleOutcome>& outcomes) {
  bool ok = true;
  Json all = Json::array();
  std::vector<const modules::Alert*> timed;
  for (const auto& o : outcomes) {
    if (o.alerts.empty()) continue;
    Json mine = Json::array();
    for (const auto& a : o.alerts) {
      mine.push_back(alert_json(a));
      all.push_back(alert_json(a));
      if (a.event_time) timed.push_back(&a);
    }
    ok = write_text(dir / (std::string(o.spec->slug) + "_detected.json"), dump(mine, 4) + "\n") &&
         ok;
  }
  if (!all.empty()) ok = write_text(dir / "alerts.json", dump(all, 4) + "\n") && ok;
  std::stable_sort(timed.begin(), timed.end(),
                   [](const auto* a, const auto* b) { return *a->event_time < *b->event_time; });
  BufferedFile csv;
  ok = csv.open(dir / "alerts_timeline.csv") && ok;
  std::string& text = csv.buffer();
  text += "\"Event Time\",\"Module\",\"Message\",\"Event\"\r\n";
  for (const auto* a : timed) {
    append_csv_field(text, core::format_iso(*a->event_time));
    text += ',';
    append_csv_field(text, a->module);
    text += ',';
    append_csv_field(text, a->message);
    text += ',';
    append_csv_field(text, dump(a->event, -1));
    text += "\r\n";
  }
  return csv.close() && ok;
}

void UrlFile::add(const modules::UrlResult& u) {
  if (failed_) return;
  if (!file_.is_open() && !file_.open(path_)) {
    failed_ = true;
    return;
  }
  // An element of dump(array, 4), after its separator: write_urls() drops the first ','.
  std::string& out = file_.buffer();
  out += ",\n    {\n        \"url\": ";
  core::append_json_string(out, u.url);
  out += ",\n        \"expanded_url\": ";
  if (u.expanded_url)
    core::append_json_string(out, *u.expanded_url);
  else
    out += "null";
  out += ",\n        \"timestamp\": ";
  if (u.timestamp)
    core::append_json_string(out, core::format_iso(*u.timestamp));
  else
    out += "null";
  out += ",\n        \"source\": ";
  core::append_json_string(out, u.source);
  out += ",\n        \"shortened\": ";
  out += u.shortened ? "true\n    }" : "false\n    }";
  file_.maybe_flush();
}

bool UrlFile::close() {
  failed_ = !file_.close() || failed_;
  return !failed_;
}

std::optional<fs::path> UrlFile::path() const {
  if (failed_ || !fs::exists(path_)) return std::nullopt;
  return path_;
}

bool write_urls(const fs::path& path, const std::vector<ModuleOutcome>& outcomes) {
  BufferedFile out;
  bool ok = true, any = false;
  for (const auto& o : outcomes) {
    if (!o.urls) continue;
    std::FILE* in = std::fopen(o.urls->c_str(), "rb");
    if (in == nullptr) {
      ok = false;
      continue;
    }
    char chunk[1u << 16];
    for (std::size_t n; (n = std::fread(chunk, 1, sizeof chunk, in)) > 0;) {
      std::size_t skip = 0;
      if (!any) {  // the array starts; its first element has no separator
        ok = out.open(path) && ok;
        out.buffer() += '[';
        skip = 1;
        any = true;
      }
      out.buffer().append(chunk + skip, n - skip);
      out.maybe_flush();
    }
    ok = std::ferror(in) == 0 && ok;
    std::fclose(in);
    std::error_code ec;
    fs::remove(*o.urls, ec);
  }
  if (!any) return ok;
  out.buffer() += "\n]\n";
  return out.close() && ok;
}

}  // namespace vigil::report
