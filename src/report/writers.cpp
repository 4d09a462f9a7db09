#include "report/writers.hpp"

#include <algorithm>
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

bool BufferedFile::open(const fs::path& path) {
  file_ = std::fopen(path.c_str(), "wb");
  failed_ = file_ == nullptr;
  return !failed_;
}

void BufferedFile::flush() {
  if (file_ != nullptr && !buffer_.empty() &&
      std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size())
    failed_ = true;
  buffer_.clear();
}

bool BufferedFile::close() {
  flush();
  if (file_ != nullptr) {
    failed_ = std::fclose(file_) != 0 || failed_;
    file_ = nullptr;
  }
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
