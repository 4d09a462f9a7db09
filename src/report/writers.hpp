// Output files of a check (docs/output.md): per-module records streamed as JSON arrays, and the
// alerts and URL list written once the modules are done (the timeline: report/timeline.hpp).
// Everything written is deterministic: sorted, no wall-clock time outside info.json and
// command.log.
#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "modules/module.hpp"

namespace vigil::report {

inline constexpr const char* kOutputSchemaVersion = "1.2";
/// Records of each module embedded in report.html, the first ones. JsonRecordFile writes them
/// through the page cache, so that the report reads them back from memory, not from the disk.
inline constexpr std::size_t kReportModuleRows = 10000;

/// An output file written through a large buffer: append to buffer(), then call maybe_flush().
///
/// Output files are written once and not read back by the check, so by default they bypass the
/// page cache: their whole 4 KiB blocks are handed to one background thread that writes them with
/// O_DIRECT, and the tail is written normally at close. Putting gigabytes of output through the
/// page cache costs more CPU than producing it, and that cost varies tenfold between runs on
/// virtual machines (docs/performance.md); the background thread keeps the producers from
/// waiting for the device. Where the file system refuses O_DIRECT, the file is written the
/// ordinary way.
class BufferedFile {
 public:
  enum class Cache { bypass, keep, keep_first };
  BufferedFile() = default;
  ~BufferedFile();
  BufferedFile(const BufferedFile&) = delete;
  BufferedFile& operator=(const BufferedFile&) = delete;
  /// Creates or truncates the file; false when it cannot be (what is appended is then dropped).
  /// Cache::keep for files that are read back soon (the timeline's spilled runs); Cache::keep_first
  /// for files whose start is read back soon: kept until bypass_from_here(), then bypassed.
  bool open(const std::filesystem::path& path, Cache cache = Cache::bypass);
  /// For a Cache::keep_first file: what is appended from here (from the next block boundary on)
  /// bypasses the page cache.
  void bypass_from_here();
  [[nodiscard]] bool is_open() const { return fd_ >= 0; }
  std::string& buffer() { return buffer_; }
  void maybe_flush() {
    if (buffer_.size() >= kFlushBytes) flush();
  }
  /// Writes what is buffered and closes; false when anything could not be written.
  bool close();

  static constexpr std::size_t kFlushBytes = 1u << 20;
  static constexpr std::size_t kDirectAlign = 4096;  // a multiple of any logical block size

  /// What the background writer needs of a file: touched by it only while blocks of the file are
  /// in flight, and read by the file's owner only once they are all written.
  struct DirectTarget {
    int fd = -1;
    bool direct = true;   // false once the file system refused an O_DIRECT write
    bool failed = false;  // a block could not be written
    std::size_t in_flight = 0;
    bool writing = false;  // one of the writer's threads is writing a block of it
  };

 private:
  void flush();
  int fd_ = -1;
  bool bypass_ = false;          // whole blocks go to the background writer
  bool keep_first_ = false;      // written through the page cache until told otherwise
  std::size_t cached_left_ = 0;  // then: bytes to write through the page cache before bypassing
  std::size_t written_ = 0;      // bytes written through the page cache
  std::string buffer_;
  DirectTarget target_;
  bool failed_ = false;
};

/// Streams one module's records to `<dir>/<slug>.json`: a JSON array with one compact record per
/// line (an object result is indented). Created on the first record: no records, no file.
class JsonRecordFile final : public modules::RecordSink {
 public:
  JsonRecordFile(std::filesystem::path path, bool single_object);
  JsonRecordFile(const JsonRecordFile&) = delete;
  JsonRecordFile& operator=(const JsonRecordFile&) = delete;
  void write(const modules::Json& record) override;
  void write_text(std::string_view record) override;
  /// Completes the file; false when writing failed (disk full…).
  bool close();

 private:
  /// Opens the file on the first record and writes the separator; false when nothing more is to
  /// be written.
  bool next_record();

  std::filesystem::path path_;
  bool single_object_;
  BufferedFile file_;
  std::size_t count_ = 0;
  bool failed_ = false;
};

/// Dumps JSON the way every vigil output file does: UTF-8, invalid bytes replaced.
std::string dump(const modules::Json& value, int indent);

/// Formats one module's URL results for urls.json as they come, into a temporary file (created on
/// the first one): memory does not grow with their number. write_urls() joins the modules' files.
class UrlFile final : public modules::UrlSink {
 public:
  explicit UrlFile(std::filesystem::path path) : path_(std::move(path)) {}
  void add(const modules::UrlResult& url) override;
  /// Completes the file; false when writing failed.
  bool close();
  /// The file, when it holds URLs.
  [[nodiscard]] std::optional<std::filesystem::path> path() const;

 private:
  std::filesystem::path path_;
  BufferedFile file_;
  bool failed_ = false;
};

struct ModuleOutcome {
  const modules::ModuleSpec* spec = nullptr;
  std::size_t records = 0;
  std::size_t timeline_events = 0;
  std::vector<modules::Alert> alerts;
  std::optional<std::filesystem::path> urls;  ///< the module's UrlFile
  std::vector<std::string> warnings;
  std::vector<std::string> missing;
  std::string failure;  ///< the module stopped on an unexpected error
  double seconds = 0;   ///< wall time of the module's run (command.log only: not deterministic)
};

modules::Json alert_json(const modules::Alert& alert);

/// info.json's `ioc_files`: each loaded file's path, SHA-256, indicator count and date.
modules::Json ioc_files_json(const indicators::IndicatorSet& set);

/// alerts.json, <slug>_detected.json, alerts_timeline.csv.
bool write_alerts(const std::filesystem::path& dir, const std::vector<ModuleOutcome>& outcomes);
/// urls.json from the modules' URL files (in module order), which are then removed.
bool write_urls(const std::filesystem::path& path, const std::vector<ModuleOutcome>& outcomes);
bool write_text(const std::filesystem::path& path, const std::string& text);

/// Appends one CSV field, always quoted, '"' doubled.
void append_csv_field(std::string& out, std::string_view value);

}  // namespace vigil::report
