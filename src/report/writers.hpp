// Output files of a check (docs/output.md): per-module records streamed as JSON arrays, and the
// merged timeline, alerts and URL list written once the modules are done. Everything written is
// deterministic: sorted, no wall-clock time outside info.json and command.log.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "modules/module.hpp"

namespace vigil::report {

inline constexpr const char* kOutputSchemaVersion = "1.0";

/// Streams one module's records to `<dir>/<slug>.json`: a JSON array with one compact record per
/// line (an object result is indented). Created on the first record: no records, no file.
class JsonRecordFile final : public modules::RecordSink {
 public:
  JsonRecordFile(std::filesystem::path path, bool single_object);
  ~JsonRecordFile() override;
  JsonRecordFile(const JsonRecordFile&) = delete;
  JsonRecordFile& operator=(const JsonRecordFile&) = delete;
  void write(const modules::Json& record) override;
  /// Completes the file; false when writing failed (disk full…).
  bool close();

 private:
  std::filesystem::path path_;
  bool single_object_;
  std::FILE* file_ = nullptr;
  std::size_t count_ = 0;
  bool failed_ = false;
};

/// Dumps JSON the way every vigil output file does: UTF-8, invalid bytes replaced.
std::string dump(const modules::Json& value, int indent);

struct ModuleOutcome {
  const modules::ModuleSpec* spec = nullptr;
  std::size_t records = 0;
  std::vector<modules::TimelineEvent> events;
  std::vector<modules::Alert> alerts;
  std::vector<modules::UrlResult> urls;
  std::vector<std::string> warnings;
  std::vector<std::string> missing;
  std::string failure;  ///< the module stopped on an unexpected error
};

modules::Json alert_json(const modules::Alert& alert);

/// Sorts and de-duplicates the merged timeline (by time, module, event, data).
std::vector<modules::TimelineEvent> merged_timeline(const std::vector<ModuleOutcome>& outcomes);

bool write_timeline_csv(const std::filesystem::path& path,
                        const std::vector<modules::TimelineEvent>& events);
bool write_timeline_jsonl(const std::filesystem::path& path,
                          const std::vector<modules::TimelineEvent>& events,
                          const std::vector<ModuleOutcome>& outcomes);
/// alerts.json, <slug>_detected.json, alerts_timeline.csv.
bool write_alerts(const std::filesystem::path& dir, const std::vector<ModuleOutcome>& outcomes);
bool write_urls(const std::filesystem::path& path, const std::vector<ModuleOutcome>& outcomes);
bool write_text(const std::filesystem::path& path, const std::string& text);

/// One CSV field, always quoted, '"' doubled.
std::string csv_field(std::string_view value);

}  // namespace vigil::report
