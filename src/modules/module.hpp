// What an artifact module is and everything it may touch (ModuleContext): the acquisition, the
// indicators, and the sinks for its records, timeline events, alerts, collected URLs and
// warnings. Modules never format output files and never see other modules.
#pragma once

#include <atomic>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"
#include "indicators/indicator_set.hpp"
#include "vfs/ios_backup.hpp"

namespace vigil::modules {

using Json = nlohmann::ordered_json;
using core::Micros;

/// Alert severity (MVT v3 levels and numbers).
enum class Level : int { informational = 0, low = 10, medium = 20, high = 30, critical = 40 };
std::string_view to_string(Level level) noexcept;
std::optional<Level> level_from_string(std::string_view name) noexcept;

struct Alert {
  Level level = Level::informational;
  std::string module;  ///< slug
  std::string message;
  std::optional<Micros> event_time;
  Json event;              ///< the record that raised it
  Json matched_indicator;  ///< null, or {value, type, name, malware, source, stix2_file_name}
};

/// One timeline entry with its module, as a TimelineSink's events are captured (tests, tools).
struct TimelineEvent {
  Micros timestamp = 0;
  std::string module;  ///< MVT class name ("SMS"): the timeline's Plugin column
  std::string event;
  std::string data;
  friend bool operator==(const TimelineEvent&, const TimelineEvent&) = default;
};

struct UrlResult {
  std::string url;
  std::optional<std::string> expanded_url;
  std::optional<Micros> timestamp;
  std::string source;  ///< "sms", "whatsapp"
  bool shortened = false;
};

/// Per-module sink for records; the engine streams them to `<slug>.json`.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual void write(const Json& record) = 0;
  /// A record given as its compact JSON text (what write() would write for its tree).
  virtual void write_text(std::string_view record) = 0;
};

/// The record an alert is about: a tree, or the compact JSON text of a record a module writes
/// without building one (the modules with millions of rows). The text is parsed only when an
/// alert is raised: alerts are few, records are not.
class EventRef {
 public:
  // Implicit: every record tree can be an alert's event.
  EventRef(const Json& tree) : tree_(&tree) {}  // NOLINT(google-explicit-constructor)
  [[nodiscard]] static EventRef text(std::string_view record) { return EventRef(record); }
  /// The record as a tree.
  [[nodiscard]] Json json() const;

 private:
  explicit EventRef(std::string_view record) : text_(record) {}
  const Json* tree_ = nullptr;
  std::string_view text_;
};

/// Per-module sink for timeline events; the engine merges them into the sorted timeline.
class TimelineSink {
 public:
  virtual ~TimelineSink() = default;
  virtual void add(Micros when, std::string_view event, std::string_view data) = 0;
};

/// Per-module sink for collected URLs; the engine writes them to urls.json.
class UrlSink {
 public:
  virtual ~UrlSink() = default;
  virtual void add(const UrlResult& url) = 0;
};

/// Where a module's bulk results go; a null sink drops them (records and events are still
/// counted).
struct ModuleSinks {
  RecordSink* records = nullptr;
  TimelineSink* timeline = nullptr;
  UrlSink* urls = nullptr;
};

class ModuleContext {
 public:
  ModuleContext(std::string slug, const vfs::IosBackup& backup,
                const indicators::IndicatorSet* iocs, ModuleSinks sinks);

  /// For re-matching stored records against other indicators (check-iocs): no acquisition, so
  /// backup() must not be called; records and events are only counted.
  ModuleContext(std::string slug, const indicators::IndicatorSet* iocs);

  [[nodiscard]] const vfs::IosBackup& backup() const { return *backup_; }
  /// The loaded indicators, or null when none are loaded (heuristics still run).
  [[nodiscard]] const indicators::IndicatorSet* iocs() const { return iocs_; }
  [[nodiscard]] const std::string& slug() const { return slug_; }

  /// One result record, written to `<slug>.json` in the order emitted.
  void emit(const Json& record);
  /// The same for a record written as compact JSON text (core::JsonObject) instead of a tree.
  void emit_text(std::string_view record);
  /// A timeline entry; nothing when `when` is empty.
  void timeline(std::optional<Micros> when, std::string_view event, std::string_view data);
  void alert(Level level, std::string message, std::optional<Micros> event_time, EventRef event,
             const indicators::Match* match = nullptr);
  void url(const UrlResult& result);
  /// A problem with the evidence that did not stop the module (names the file).
  void warn(std::string message);
  /// Notes what was looked for and not found ("not present" in the summary, not a warning).
  void not_found(std::string what);

  // IOC checks with MVT-compatible alert messages. Each returns true when it raised an alert and
  // does nothing when no indicators are loaded.
  bool check_url(std::string_view url, EventRef event, Level level = Level::critical,
                 std::optional<Micros> when = std::nullopt);
  /// Every link in free text (SMS body, note…).
  bool check_text(std::string_view text, EventRef event, Level level = Level::critical,
                  std::optional<Micros> when = std::nullopt);
  bool check_process(std::string_view name, EventRef event, Level level = Level::critical,
                     std::optional<Micros> when = std::nullopt);
  bool check_file_path(std::string_view path, EventRef event, Level level = Level::high,
                       std::optional<Micros> when = std::nullopt);
  bool check_email(std::string_view address, EventRef event, Level level = Level::critical,
                   std::optional<Micros> when = std::nullopt);
  bool check_app_id(std::string_view id, EventRef event, Level level = Level::critical,
                    std::optional<Micros> when = std::nullopt);
  bool check_profile(std::string_view uuid, EventRef event, Level level = Level::critical,
                     std::optional<Micros> when = std::nullopt);

  /// Records emitted so far; may be read from another thread while the module runs (progress).
  [[nodiscard]] std::size_t records() const { return records_.load(std::memory_order_relaxed); }

  // Results, read by the engine after run().
  std::size_t timeline_events = 0;
  std::vector<Alert> alerts;
  std::vector<std::string> warnings;
  std::vector<std::string> missing;

 private:
  std::string slug_;
  const vfs::IosBackup* backup_;
  const indicators::IndicatorSet* iocs_;
  ModuleSinks sinks_;
  // Only the module's thread writes it: a plain load and store, no locked increment per record.
  std::atomic<std::size_t> records_{0};
  void count_record() { records_.store(records() + 1, std::memory_order_relaxed); }
};

struct ModuleSpec {
  std::string_view slug;     ///< "sms": output file names
  std::string_view name;     ///< "SMS": MVT's class name, the timeline's Plugin column
  std::string_view summary;  ///< one line for `vigil list-modules`
  void (*run)(ModuleContext& ctx);
  /// The module's result is one JSON object rather than a list (MVT's BackupInfo).
  bool object_result = false;
  /// The Manifest.db LIKE patterns the module looks its files up with (find_path_like): the
  /// engine hands them to the backup before the modules run, so that one pass answers them all.
  std::span<const std::string_view> manifest_patterns = {};
};

/// Every iOS backup module, in MVT's run order.
std::span<const ModuleSpec* const> backup_modules();

/// JSON of an indicator match as alerts carry it.
Json matched_indicator_json(const indicators::IndicatorSet& set, const indicators::Match& match);

/// An ISO string, or null when the time is empty: the shape record fields use.
Json iso_or_null(std::optional<Micros> t);
/// Appends iso_or_null(t) as JSON text.
void append_iso_or_null(std::string& out, std::optional<Micros> t);

/// A member of a record (an object), or null when absent: a lookup that neither copies nor adds
/// it, unlike `record.value(key, …)` and `record[key]`.
const Json& field(const Json& record, std::string_view key);

}  // namespace vigil::modules
