#include "report/writers.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <tuple>

#include "core/text.hpp"

namespace vigil::report {

namespace fs = std::filesystem;
using modules::Json;

std::string dump(const Json& value, int indent) {
  return value.dump(indent, ' ', false, Json::error_handler_t::replace);
}

JsonRecordFile::JsonRecordFile(fs::path path, bool single_object)
    : path_(std::move(path)), single_object_(single_object) {}

JsonRecordFile::~JsonRecordFile() { close(); }

void JsonRecordFile::write(const Json& record) {
  if (failed_) return;
  if (file_ == nullptr) {
    file_ = std::fopen(path_.c_str(), "wb");
    if (file_ == nullptr) {
      failed_ = true;
      return;
    }
    if (!single_object_) std::fputs("[\n", file_);
  }
  if (single_object_) {
    if (count_++ == 0) std::fputs(dump(record, 4).c_str(), file_);
    return;
  }
  // One compact record per line: valid JSON, greppable, and no re-indentation pass per record.
  std::string text = dump(record, -1);
  if (count_++ != 0) std::fputs(",\n", file_);
  std::fwrite(text.data(), 1, text.size(), file_);
}

bool JsonRecordFile::close() {
  if (file_ == nullptr) return !failed_;
  if (!single_object_) std::fputs("\n]", file_);
  std::fputs("\n", file_);
  bool ok = std::ferror(file_) == 0;
  ok = std::fclose(file_) == 0 && ok;
  file_ = nullptr;
  failed_ = failed_ || !ok;
  return !failed_;
}

std::string csv_field(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
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

std::vector<modules::TimelineEvent> merged_timeline(const std::vector<ModuleOutcome>& outcomes) {
  std::vector<modules::TimelineEvent> all;
  for (const auto& o : outcomes) all.insert(all.end(), o.events.begin(), o.events.end());
  auto key = [](const modules::TimelineEvent& e) {
    return std::tie(e.timestamp, e.module, e.event, e.data);
  };
  std::sort(all.begin(), all.end(), [&](const auto& a, const auto& b) { return key(a) < key(b); });
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

bool write_timeline_csv(const fs::path& path, const std::vector<modules::TimelineEvent>& events) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << "\"UTC Timestamp\",\"Plugin\",\"Event\",\"Description\"\r\n";
  for (const auto& e : events)
    out << csv_field(core::format_iso(e.timestamp)) << ',' << csv_field(e.module) << ','
        << csv_field(e.event) << ',' << csv_field(core::utf8_or_escaped(e.data)) << "\r\n";
  return static_cast<bool>(out);
}

bool write_timeline_jsonl(const fs::path& path, const std::vector<modules::TimelineEvent>& events,
                          const std::vector<ModuleOutcome>& outcomes) {
  std::map<std::string, std::string> slug_of;
  for (const auto& o : outcomes) slug_of[std::string(o.spec->name)] = std::string(o.spec->slug);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (const auto& e : events) {
    std::string iso = core::format_iso(e.timestamp);
    Json line;
    line["message"] = e.data;
    line["datetime"] = iso.substr(0, 10) + "T" + iso.substr(11) + "+00:00";
    line["timestamp"] = e.timestamp;
    line["timestamp_desc"] = e.event;
    line["data_type"] = "vigil:ios:" + slug_of[e.module];
    line["module"] = e.module;
    out << dump(line, -1) << '\n';
  }
  return static_cast<bool>(out);
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
  std::ofstream csv(dir / "alerts_timeline.csv", std::ios::binary | std::ios::trunc);
  csv << "\"Event Time\",\"Module\",\"Message\",\"Event\"\r\n";
  for (const auto* a : timed)
    csv << csv_field(core::format_iso(*a->event_time)) << ',' << csv_field(a->module) << ','
        << csv_field(a->message) << ',' << csv_field(dump(a->event, -1)) << "\r\n";
  return ok && static_cast<bool>(csv);
}

bool write_urls(const fs::path& path, const std::vector<ModuleOutcome>& outcomes) {
  Json all = Json::array();
  for (const auto& o : outcomes)
    for (const auto& u : o.urls) {
      Json j;
      j["url"] = u.url;
      j["expanded_url"] = u.expanded_url ? Json(*u.expanded_url) : Json(nullptr);
      j["timestamp"] = modules::iso_or_null(u.timestamp);
      j["source"] = u.source;
      j["shortened"] = u.shortened;
      all.push_back(std::move(j));
    }
  if (all.empty()) return true;
  return write_text(path, dump(all, 4) + "\n");
}

}  // namespace vigil::report
