// report.html: one self-contained page (style, script and data inlined, no network access) built
// from the output files of a check already in its folder, so that check-backup, check-iocs and
// check-batch share it. The data is one JSON block made safe for HTML; the page renders it with
// a virtualised table, so that a timeline of millions of events stays usable.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/time.hpp"
#include "report/timeline.hpp"
#include "report/writers.hpp"

namespace vigil::report {

struct HtmlReportStats {
  std::uintmax_t bytes = 0;
  std::size_t events = 0;
};

/// Writes `<dir>/report.html` in one pass: the page up to its data, the timeline's events as they
/// come (check-backup hands them over while it writes timeline.csv, so timeline.jsonl is not read
/// back), then the rest from the output files of the check. At most kMaxReportEvents, the most
/// recent ones, are embedded; memory holds three small columns for them (time, module, kind).
class HtmlReportWriter final : public MergedEventSink {
 public:
  // The most recent events only: a page of millions of events cannot be opened. Every event is in
  // timeline.csv and timeline.jsonl.
  static constexpr std::size_t kMaxReportEvents = 1000000;

  explicit HtmlReportWriter(std::size_t max_events = kMaxReportEvents);
  ~HtmlReportWriter() override;
  HtmlReportWriter(const HtmlReportWriter&) = delete;
  HtmlReportWriter& operator=(const HtmlReportWriter&) = delete;

  /// Creates `<dir>/report.html`. `expected_events`: how many events event() will be given at
  /// most, so that the oldest past `max_events` are skipped.
  bool open(const std::filesystem::path& dir, std::size_t expected_events);
  /// The next timeline event, in timeline order.
  void event(core::Micros when, std::string_view slug, std::string_view name, std::string_view kind,
             std::string_view message) override;
  /// Every event of a timeline.jsonl (lines that are not timeline events are skipped).
  bool add_timeline_jsonl(const std::filesystem::path& jsonl);
  /// Writes the rest from info.json (required), backup_info.json, alerts.json and the
  /// `<module>.json` files of the folder. `total_events`: the timeline's size.
  bool finish(std::size_t total_events, std::string& error, HtmlReportStats* stats = nullptr);

 private:
  std::uint32_t module_index(std::string_view slug, std::string_view name);
  std::uint32_t kind_index(std::string_view kind);

  std::filesystem::path dir_;
  BufferedFile file_;
  std::size_t page_rest_ = 0;  // where the page resumes after its data block
  std::size_t max_events_;
  std::size_t skip_ = 0;
  std::vector<core::Micros> times_;
  std::vector<std::uint32_t> modules_of_, kinds_of_;
  std::vector<std::pair<std::string, std::string>> modules_;  // slug, name
  std::vector<std::string> kinds_;
  std::unordered_map<std::string, std::uint32_t> kind_index_;
  std::string scratch_;
};

/// Writes `<dir>/report.html` from info.json, backup_info.json, alerts.json, timeline.jsonl and
/// the `<module>.json` files in `dir` (only info.json is required). Returns false, with `error`
/// set, when info.json is unreadable or the page cannot be written.
bool write_html_report(const std::filesystem::path& dir, std::string& error,
                       HtmlReportStats* stats = nullptr);

/// Appends JSON text with `<`, `>`, `&`, U+2028 and U+2029 escaped as \uXXXX: still the same
/// JSON, but no evidence text can close the <script> element that holds it.
void append_html_safe_json(std::string& out, std::string_view json);

/// The newest "created"/"modified" date ("YYYY-MM-DD") in a STIX2 file, or "" when it has none.
std::string stix2_feed_date(std::string_view bytes);

}  // namespace vigil::report
