#include "report/timeline.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <thread>

#include "core/json_out.hpp"
#include "core/text.hpp"
#include "report/writers.hpp"

namespace vigil::report {

namespace fs = std::filesystem;

namespace {

// A packed event: this header, then the event bytes, then the data bytes.
struct Header {
  core::Micros when;
  std::uint32_t event_size;
  std::uint32_t data_size;
};
constexpr std::size_t kHeader = sizeof(Header);
static_assert(kHeader == 16);

struct EventView {
  core::Micros when = 0;
  std::string_view event, data;
};

EventView view(const char* at) {
  Header h{};
  std::memcpy(&h, at, kHeader);
  return {h.when, {at + kHeader, h.event_size}, {at + kHeader + h.event_size, h.data_size}};
}

// The timeline's order within one module (the module name is the run's).
bool less(const EventView& a, const EventView& b) {
  if (a.when != b.when) return a.when < b.when;
  if (int c = a.event.compare(b.event); c != 0) return c < 0;
  return a.data < b.data;
}

bool same(const EventView& a, const EventView& b) {
  return a.when == b.when && a.event == b.event && a.data == b.data;
}

void sort(TimelineRun& run) {
  const std::string& bytes = run.bytes;
  std::sort(run.order.begin(), run.order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return less(view(bytes.data() + a), view(bytes.data() + b));
  });
}

// Reads one run back, event by event, in its sorted order. The current event stays valid until
// the next call to next().
class RunCursor {
 public:
  explicit RunCursor(const TimelineRun& run) : run_(run) {
    if (!run.file.empty()) {
      file_ = std::fopen(run.file.c_str(), "rb");
      failed_ = file_ == nullptr;
      buffer_.resize(64u << 10);
    }
  }
  ~RunCursor() {
    if (file_ != nullptr) std::fclose(file_);
  }
  RunCursor(const RunCursor&) = delete;
  RunCursor& operator=(const RunCursor&) = delete;

  bool next() {
    if (run_.file.empty()) {
      if (index_ == run_.order.size()) return false;
      current_ = view(run_.bytes.data() + run_.order[index_++]);
      return true;
    }
    pos_ += consumed_;
    consumed_ = 0;
    if (file_ == nullptr || !fill(kHeader)) return false;
    Header h{};
    std::memcpy(&h, buffer_.data() + pos_, kHeader);
    std::size_t size = kHeader + h.event_size + h.data_size;
    if (!fill(size)) {
      failed_ = true;  // truncated
      return false;
    }
    current_ = view(buffer_.data() + pos_);
    consumed_ = size;
    return true;
  }
  [[nodiscard]] const EventView& event() const { return current_; }
  [[nodiscard]] const TimelineRun& run() const { return run_; }
  [[nodiscard]] bool failed() const { return failed_; }

 private:
  // Makes `n` bytes from pos_ available; false at the end of the file (a partial event there
  // is a failure).
  bool fill(std::size_t n) {
    if (end_ - pos_ >= n) return true;
    std::memmove(buffer_.data(), buffer_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
    if (buffer_.size() < n) buffer_.resize(std::max(n, 2 * buffer_.size()));
    while (end_ < n) {
      std::size_t got = std::fread(buffer_.data() + end_, 1, buffer_.size() - end_, file_);
      if (got == 0) {
        failed_ = failed_ || end_ != 0 || std::ferror(file_) != 0;
        return false;
      }
      end_ += got;
    }
    return true;
  }

  const TimelineRun& run_;
  std::size_t index_ = 0;
  std::FILE* file_ = nullptr;
  std::string buffer_;
  std::size_t pos_ = 0, end_ = 0, consumed_ = 0;
  EventView current_;
  bool failed_ = false;
};

bool cursor_less(const RunCursor& a, const RunCursor& b) {
  const EventView &x = a.event(), &y = b.event();
  if (x.when != y.when) return x.when < y.when;
  if (int c = a.run().name.compare(b.run().name); c != 0) return c < 0;
  return less(x, y);
}

// Merges the runs into one file: `header`, then `line(out, event, run, iso time)` for each
// distinct event in timeline order. The number of events written, or nullopt on a failure.
template <typename Line>
std::optional<std::size_t> merge(const std::vector<TimelineRun>& runs, const fs::path& path,
                                 std::string_view header, Line line) {
  BufferedFile file;
  bool ok = file.open(path);
  file.buffer() += header;
  std::vector<std::unique_ptr<RunCursor>> cursors;
  std::vector<RunCursor*> heap;
  for (const auto& run : runs) {
    cursors.push_back(std::make_unique<RunCursor>(run));
    if (cursors.back()->next()) heap.push_back(cursors.back().get());
  }
  auto later = [](const RunCursor* a, const RunCursor* b) { return cursor_less(*b, *a); };
  std::make_heap(heap.begin(), heap.end(), later);

  std::size_t written = 0;
  const TimelineRun* last_run = nullptr;
  EventView last;
  std::string last_event, last_data, iso;
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    RunCursor* cursor = heap.back();
    const EventView& e = cursor->event();
    const TimelineRun& run = cursor->run();
    if (last_run == nullptr || last_run->name != run.name || !same(e, last)) {
      ++written;
      last_run = &run;
      last_event.assign(e.event);
      last_data.assign(e.data);
      last = EventView{e.when, last_event, last_data};
      iso = core::format_iso(e.when);
      line(file.buffer(), e, run, iso);
      file.maybe_flush();
    }
    if (cursor->next())
      std::push_heap(heap.begin(), heap.end(), later);
    else
      heap.pop_back();
  }
  ok = file.close() && ok;
  for (const auto& cursor : cursors) ok = ok && !cursor->failed();
  if (!ok) return std::nullopt;
  return written;
}

}  // namespace

ModuleTimeline::ModuleTimeline(Timeline& timeline, std::string_view slug, std::string_view name)
    : timeline_(timeline) {
  run_.slug = slug;
  run_.name = name;
}

void ModuleTimeline::add(core::Micros when, std::string_view event, std::string_view data) {
  const std::size_t size = kHeader + event.size() + data.size();
  if (!run_.order.empty() && run_.bytes.size() + size > timeline_.run_bytes())
    timeline_.spill(run_);
  if (run_.bytes.capacity() < timeline_.run_bytes()) run_.bytes.reserve(timeline_.run_bytes());
  Header h{when, static_cast<std::uint32_t>(event.size()), static_cast<std::uint32_t>(data.size())};
  run_.order.push_back(static_cast<std::uint32_t>(run_.bytes.size()));
  run_.bytes.append(reinterpret_cast<const char*>(&h), kHeader);
  run_.bytes.append(event);
  run_.bytes.append(data);
}

void ModuleTimeline::close() {
  if (!run_.order.empty()) timeline_.keep(std::move(run_));
}

Timeline::Timeline(fs::path spill_dir, std::size_t run_bytes, std::size_t keep_bytes)
    : spill_dir_(std::move(spill_dir)), run_bytes_(run_bytes), keep_bytes_(keep_bytes) {}

Timeline::~Timeline() { remove_files(); }

void Timeline::remove_files() {
  std::error_code ec;
  for (auto& run : runs_)
    if (!run.file.empty()) {
      fs::remove(run.file, ec);
      run.file.clear();
    }
}

void Timeline::keep(TimelineRun run) {
  sort(run);
  {
    std::lock_guard lock(mutex_);
    const std::size_t bytes = run.bytes.size() + run.order.size() * sizeof(std::uint32_t);
    if (kept_bytes_ + bytes <= keep_bytes_) {
      kept_bytes_ += bytes;
      runs_.push_back(std::move(run));
      runs_.back().bytes.shrink_to_fit();
      return;
    }
  }
  write_run(run);
}

void Timeline::spill(TimelineRun& run) {
  sort(run);
  write_run(run);
}

void Timeline::write_run(TimelineRun& run) {
  std::size_t number = 0;
  {
    std::lock_guard lock(mutex_);
    number = spilled_++;
  }
  fs::path path = spill_dir_ / (".timeline-" + std::to_string(number) + ".tmp");
  BufferedFile out;
  bool ok = out.open(path);
  for (std::uint32_t offset : run.order) {
    Header h{};
    std::memcpy(&h, run.bytes.data() + offset, kHeader);
    out.buffer().append(run.bytes, offset, kHeader + h.event_size + h.data_size);
    out.maybe_flush();
  }
  ok = out.close() && ok;
  run.bytes.clear();
  run.order.clear();
  std::lock_guard lock(mutex_);
  failed_ = failed_ || !ok;
  runs_.push_back(TimelineRun{run.slug, run.name, {}, {}, path});
}

void Timeline::limit_runs() {
  while (runs_.size() > kMaxRuns) {
    // Merge runs of the module that has the most into one (a module's runs share its name).
    std::map<std::string, std::size_t> per_module;
    for (const auto& run : runs_) ++per_module[run.name];
    auto largest =
        std::max_element(per_module.begin(), per_module.end(),
                         [](const auto& a, const auto& b) { return a.second < b.second; });
    if (largest->second < 2) return;
    const std::string name = largest->first;
    std::vector<TimelineRun> group;
    for (auto it = runs_.begin(); it != runs_.end() && group.size() < kMaxRuns;) {
      if (it->name == name) {
        group.push_back(std::move(*it));
        it = runs_.erase(it);
      } else {
        ++it;
      }
    }
    fs::path path = spill_dir_ / (".timeline-" + std::to_string(spilled_++) + ".tmp");
    bool ok =
        merge(group, path, "",
              [](std::string& out, const EventView& e, const TimelineRun&, const std::string&) {
                Header h{e.when, static_cast<std::uint32_t>(e.event.size()),
                         static_cast<std::uint32_t>(e.data.size())};
                out.append(reinterpret_cast<const char*>(&h), kHeader);
                out.append(e.event);
                out.append(e.data);
              })
            .has_value();
    failed_ = failed_ || !ok;
    std::error_code ec;
    for (const auto& run : group)
      if (!run.file.empty()) fs::remove(run.file, ec);
    runs_.push_back(TimelineRun{group.front().slug, name, {}, {}, path});
  }
}

std::optional<std::size_t> Timeline::write(const fs::path& csv_path, const fs::path& jsonl_path) {
  limit_runs();
  // The two files are written side by side, each thread merging the runs on its own.
  std::optional<std::size_t> lines;
  std::thread jsonl_writer([&] {
    std::string datetime, data_type;
    lines = merge(
        runs_, jsonl_path, "",
        [&](std::string& out, const EventView& e, const TimelineRun& run, const std::string& iso) {
          datetime.assign(iso, 0, 10);
          datetime += 'T';
          datetime.append(iso, 11);
          datetime += "+00:00";
          data_type = "vigil:ios:";
          data_type += run.slug;
          core::JsonObject(out)
              .string("message", e.data)
              .string("datetime", datetime)
              .number("timestamp", e.when)
              .string("timestamp_desc", e.event)
              .string("data_type", data_type)
              .string("module", run.name)
              .close();
          out += '\n';
        });
  });
  auto rows = merge(
      runs_, csv_path, "\"UTC Timestamp\",\"Plugin\",\"Event\",\"Description\"\r\n",
      [](std::string& out, const EventView& e, const TimelineRun& run, const std::string& iso) {
        append_csv_field(out, iso);
        out += ',';
        append_csv_field(out, run.name);
        out += ',';
        append_csv_field(out, e.event);
        out += ',';
        append_csv_field(out, core::is_utf8(e.data) ? e.data : core::utf8_or_escaped(e.data));
        out += "\r\n";
      });
  jsonl_writer.join();
  remove_files();
  if (!rows || !lines || failed_) return std::nullopt;
  return rows;
}

}  // namespace vigil::report
