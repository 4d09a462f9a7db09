// The merged timeline of a check (docs/output.md): every module's events sorted by (time, module,
// event, data), exact duplicates removed, written as timeline.csv and timeline.jsonl. Memory stays
// bounded whatever the acquisition's size: each module packs its events in a buffer; a full buffer
// is sorted and spilled as a run file into the output folder (never near the evidence), and at the
// end the runs are k-way merged straight into the two output files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modules/module.hpp"

namespace vigil::report {

/// One sorted run of a module's events: in memory, or spilled to `file`.
struct TimelineRun {
  std::string slug;                  ///< data_type "vigil:ios:<slug>"
  std::string name;                  ///< MVT's class name: the Plugin column
  std::string bytes;                 ///< packed events (in memory)
  std::vector<std::uint32_t> order;  ///< offsets into `bytes`, sorted
  std::filesystem::path file;        ///< the spilled events, sorted (empty: in memory)
};

class Timeline;

/// Receives the merged timeline's events, in order, on a thread of its own (report.html).
class MergedEventSink {
 public:
  virtual ~MergedEventSink() = default;
  virtual void event(core::Micros when, std::string_view slug, std::string_view name,
                     std::string_view kind, std::string_view message) = 0;
};

/// Collects one module's events for a Timeline; used by one thread at a time.
class ModuleTimeline final : public modules::TimelineSink {
 public:
  ModuleTimeline(Timeline& timeline, std::string_view slug, std::string_view name);
  void add(core::Micros when, std::string_view event, std::string_view data) override;
  /// Hands the events still buffered to the timeline (call once, when the module is done).
  void close();

 private:
  Timeline& timeline_;
  TimelineRun run_;
};

class Timeline {
 public:
  /// Events past `run_bytes` per module buffer (allocated once per running module), or past
  /// `keep_bytes` over all finished modules, are spilled to temporary files in `spill_dir`.
  explicit Timeline(std::filesystem::path spill_dir, std::size_t run_bytes = 4u << 20,
                    std::size_t keep_bytes = 4u << 20);
  ~Timeline();  ///< removes the spilled files
  Timeline(const Timeline&) = delete;
  Timeline& operator=(const Timeline&) = delete;

  /// Merges every run into the two files (once), then removes the spilled files; the number of
  /// distinct events written, or nullopt when a file could not be written or a spilled run could
  /// not be written or read back. `also`, when given, receives every event written.
  std::optional<std::size_t> write(const std::filesystem::path& csv,
                                   const std::filesystem::path& jsonl,
                                   MergedEventSink* also = nullptr);

 private:
  friend class ModuleTimeline;
  [[nodiscard]] std::size_t run_bytes() const { return run_bytes_; }
  /// Sorts a module's last events and keeps them in memory, or spills them past the budget.
  void keep(TimelineRun run);
  /// Sorts a module's full buffer, writes it to a run file and empties it (capacity kept).
  void spill(TimelineRun& run);
  void write_run(TimelineRun& run);
  /// An empty buffer of run_bytes() capacity for a module's events: a finished module's, when
  /// there is one (new memory costs the kernel a fault per page).
  std::string take_buffer();
  /// Merges runs of the same module until at most kMaxRuns are left (the final merges keep
  /// them all open, twice).
  void limit_runs();
  void remove_files();

  static constexpr std::size_t kMaxRuns = 128;

  std::filesystem::path spill_dir_;
  std::size_t run_bytes_, keep_bytes_;
  std::mutex mutex_;
  std::vector<TimelineRun> runs_;
  std::vector<std::string> spare_buffers_;  // at most one per module thread
  std::size_t kept_bytes_ = 0;
  std::size_t spilled_ = 0;
  bool failed_ = false;
};

}  // namespace vigil::report
