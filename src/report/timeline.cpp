#include "report/timeline.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <thread>
#include <utility>

#include "core/file.hpp"
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
  // Sorted by time from a compact copy of the times (the events themselves are only read for
  // equal times): most comparisons then stay in the cache.
  struct Key {
    core::Micros when;
    std::uint32_t at;
  };
  const std::string& bytes = run.bytes;
  std::vector<Key> keys(run.order.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    Header h{};
    std::memcpy(&h, bytes.data() + run.order[i], kHeader);
    keys[i] = {h.when, run.order[i]};
  }
  std::sort(keys.begin(), keys.end(), [&](const Key& a, const Key& b) {
    if (a.when != b.when) return a.when < b.when;
    return less(view(bytes.data() + a.at), view(bytes.data() + b.at));
  });
  for (std::size_t i = 0; i < keys.size(); ++i) run.order[i] = keys[i].at;
}

// Reads one run back, event by event, in its sorted order. The current event
// stays valid until the next call to next().
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
  // Makes `n` bytes from pos_ available; false at the end of the file (a
  // partial event there is a failure).
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

// Merges the runs: `visit(event, run)` for each distinct event in timeline
// order. The number of events visited, or nullopt when a run could not be read
// back.
template <typename Visit>
std::optional<std::size_t> merge_runs(const std::vector<TimelineRun>& runs, Visit visit) {
  std::vector<std::unique_ptr<RunCursor>> cursors;
  // A binary min-heap of the cursors by their current event; the top is advanced in place and
  // sifted down once (half the work of a pop and a push).
  std::vector<RunCursor*> heap;
  for (const auto& run : runs) {
    cursors.push_back(std::make_unique<RunCursor>(run));
    if (cursors.back()->next()) heap.push_back(cursors.back().get());
  }
  auto sift_down = [&heap](std::size_t i) {
    const std::size_t n = heap.size();
    RunCursor* moving = heap[i];
    for (;;) {
      std::size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && cursor_less(*heap[child + 1], *heap[child])) ++child;
      if (!cursor_less(*heap[child], *moving)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = moving;
  };
  for (std::size_t i = heap.size() / 2; i-- > 0;) sift_down(i);

  std::size_t visited = 0;
  const TimelineRun* last_run = nullptr;
  EventView last;
  std::string last_event, last_data;
  while (!heap.empty()) {
    RunCursor* cursor = heap.front();
    const EventView& e = cursor->event();
    const TimelineRun& run = cursor->run();
    const bool same_module =
        last_run == &run || (last_run != nullptr && last_run->name == run.name);
    if (!same_module || !same(e, last)) {
      ++visited;
      last_run = &run;
      last_event.assign(e.event);
      last_data.assign(e.data);
      last = EventView{e.when, last_event, last_data};
      visit(e, run);
    }
    if (!cursor->next()) {
      heap.front() = heap.back();
      heap.pop_back();
    }
    if (!heap.empty()) sift_down(0);
  }
  for (const auto& cursor : cursors)
    if (cursor->failed()) return std::nullopt;
  return visited;
}

void append_packed(std::string& out, const EventView& e) {
  Header h{e.when, static_cast<std::uint32_t>(e.event.size()),
           static_cast<std::uint32_t>(e.data.size())};
  out.append(reinterpret_cast<const char*>(&h), kHeader);
  out.append(e.event);
  out.append(e.data);
}

// Batches of bytes handed from one thread to another; at most `limit` wait
// (bounded memory).
using Batch = std::shared_ptr<const std::string>;

class BatchQueue {
 public:
  explicit BatchQueue(std::size_t limit) : limit_(limit) {}
  void push(Batch batch) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return queue_.size() < limit_; });
    queue_.push_back(std::move(batch));
    changed_.notify_all();
  }
  /// The next batch; false once closed and drained.
  bool pop(Batch& batch) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !queue_.empty() || closed_; });
    if (queue_.empty()) return false;
    batch = std::move(queue_.front());
    queue_.pop_front();
    changed_.notify_all();
    return true;
  }
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }

 private:
  std::size_t limit_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Batch> queue_;
  bool closed_ = false;
};

void append_csv_line(std::string& out, const EventView& e, const TimelineRun& run) {
  out += '"';
  core::append_iso(out, e.when);  // digits, '-', ':', '.' and ' ': nothing to quote
  out += '"';
  out += ',';
  append_csv_field(out, run.name);
  out += ',';
  append_csv_field(out, e.event);
  out += ',';
  append_csv_field(out, core::is_utf8(e.data) ? e.data : core::utf8_or_escaped(e.data));
  out += "\r\n";
}

// `tail` is the line's end, the same for every event of a run: its data type and module name.
void append_jsonl_line(std::string& out, const EventView& e, std::string_view tail) {
  out += "{\"message\":";
  core::append_json_string(out, e.data);
  out += ",\"datetime\":\"";
  const std::size_t date = out.size();
  core::append_iso(out, e.when);
  if (auto space = out.find(' ', date); space != std::string::npos) out[space] = 'T';
  out += "+00:00\",\"timestamp\":";
  core::append_json_number(out, e.when);
  out += ",\"timestamp_desc\":";
  core::append_json_string(out, e.event);
  out += tail;
}

std::string jsonl_tail(const TimelineRun& run) {
  std::string tail;
  core::JsonObject fields(tail);
  fields.string("data_type", "vigil:ios:" + run.slug).string("module", run.name).close();
  tail.front() = ',';
  return tail + '\n';
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
  if (run_.bytes.capacity() < timeline_.run_bytes()) run_.bytes = timeline_.take_buffer();
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
      // A copy of the events' size is kept; the module's buffer goes to the next module.
      std::string buffer(run.bytes.data(), run.bytes.size());
      buffer.swap(run.bytes);
      runs_.push_back(std::move(run));
      buffer.clear();
      spare_buffers_.push_back(std::move(buffer));
      return;
    }
  }
  write_run(run);
  std::lock_guard lock(mutex_);
  spare_buffers_.push_back(std::move(run.bytes));
}

std::string Timeline::take_buffer() {
  std::string buffer;
  {
    std::lock_guard lock(mutex_);
    if (!spare_buffers_.empty()) {
      buffer = std::move(spare_buffers_.back());
      spare_buffers_.pop_back();
    }
  }
  buffer.reserve(run_bytes_);
  return buffer;
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
  // Through the page cache (read back soon), from a small buffer each thread reuses: a run is
  // spilled every few MB of events, and a new buffer each time is new memory for the kernel to map.
  constexpr std::size_t kSpillChunk = 256u << 10;
  thread_local std::string chunk;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  bool ok = fd >= 0;
  chunk.clear();
  for (std::uint32_t offset : run.order) {
    Header h{};
    std::memcpy(&h, run.bytes.data() + offset, kHeader);
    chunk.append(run.bytes, offset, kHeader + h.event_size + h.data_size);
    if (chunk.size() >= kSpillChunk) {
      ok = ok && core::write_all(fd, chunk.data(), chunk.size());
      chunk.clear();
    }
  }
  ok = ok && core::write_all(fd, chunk.data(), chunk.size());
  chunk.clear();
  if (fd >= 0) ok = ::close(fd) == 0 && ok;
  run.bytes.clear();
  run.order.clear();
  std::lock_guard lock(mutex_);
  failed_ = failed_ || !ok;
  runs_.push_back(TimelineRun{run.slug, run.name, {}, {}, path});
}

void Timeline::limit_runs() {
  while (runs_.size() > kMaxRuns) {
    // Merge runs of the module that has the most into one (a module's runs
    // share its name).
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
    BufferedFile out;
    bool ok = out.open(path, BufferedFile::Cache::keep);
    ok = merge_runs(group,
                    [&](const EventView& e, const TimelineRun&) {
                      append_packed(out.buffer(), e);
                      out.maybe_flush();
                    })
             .has_value() &&
         ok;
    ok = out.close() && ok;
    failed_ = failed_ || !ok;
    std::error_code ec;
    for (const auto& run : group)
      if (!run.file.empty()) fs::remove(run.file, ec);
    runs_.push_back(TimelineRun{group.front().slug, name, {}, {}, path});
  }
}

std::optional<std::size_t> Timeline::write(const fs::path& csv_path, const fs::path& jsonl_path,
                                           MergedEventSink* also) {
  std::vector<std::string>().swap(spare_buffers_);  // no module adds events any more
  limit_runs();
  // One merge feeds every output: this thread merges and hands the distinct events, packed after
  // the index of their run, in shared batches to a thread per output (CSV, JSONL and `also`), so
  // that formatting and writing run on every core while the merge goes on.
  constexpr std::size_t kBatchBytes = 256u << 10;
  auto for_each_event = [&](const std::string& batch, auto&& visit) {
    for (std::size_t at = 0; at < batch.size();) {
      std::uint32_t run = 0;
      std::memcpy(&run, batch.data() + at, sizeof run);
      const EventView e = view(batch.data() + at + sizeof run);
      at += sizeof run + kHeader + e.event.size() + e.data.size();
      visit(e, runs_[run]);
    }
  };
  BatchQueue csv_batches(2), jsonl_batches(2), also_batches(2);
  bool csv_ok = true, jsonl_ok = true;
  // Each output drains its own queue on its own thread.
  auto drain = [&](BatchQueue& queue, const auto& visit) {
    Batch batch;
    while (queue.pop(batch)) for_each_event(*batch, visit);
  };
  auto write_lines = [&](BatchQueue& queue, const fs::path& path, std::string_view header,
                         const auto& append_line, bool& ok) {
    BufferedFile file;
    ok = file.open(path);
    file.buffer() += header;
    drain(queue, [&](const EventView& e, const TimelineRun& run) {
      append_line(file.buffer(), e, run);
      file.maybe_flush();
    });
    ok = file.close() && ok;
  };
  std::thread csv_writer([&] {
    write_lines(csv_batches, csv_path, "\"UTC Timestamp\",\"Plugin\",\"Event\",\"Description\"\r\n",
                append_csv_line, csv_ok);
  });
  std::thread jsonl_writer([&] {
    std::vector<std::string> tails;
    for (const auto& run : runs_) tails.push_back(jsonl_tail(run));
    write_lines(
        jsonl_batches, jsonl_path, "",
        [&](std::string& out, const EventView& e, const TimelineRun& run) {
          append_jsonl_line(out, e, tails[static_cast<std::size_t>(&run - runs_.data())]);
        },
        jsonl_ok);
  });
  std::thread also_writer;
  if (also != nullptr)
    also_writer = std::thread([&] {
      drain(also_batches, [&](const EventView& e, const TimelineRun& run) {
        also->event(e.when, run.slug, run.name, e.event, e.data);
      });
    });
  std::string batch;
  auto hand_over = [&] {
    auto shared = std::make_shared<const std::string>(std::exchange(batch, std::string()));
    csv_batches.push(shared);
    jsonl_batches.push(shared);
    if (also != nullptr) also_batches.push(std::move(shared));
  };
  auto rows = merge_runs(runs_, [&](const EventView& e, const TimelineRun& run) {
    const auto index = static_cast<std::uint32_t>(&run - runs_.data());
    batch.append(reinterpret_cast<const char*>(&index), sizeof index);
    append_packed(batch, e);
    if (batch.size() >= kBatchBytes) hand_over();
  });
  if (!batch.empty()) hand_over();
  csv_batches.close();
  jsonl_batches.close();
  also_batches.close();
  csv_writer.join();
  jsonl_writer.join();
  if (also_writer.joinable()) also_writer.join();
  remove_files();
  if (!rows || !csv_ok || !jsonl_ok || failed_) return std::nullopt;
  return rows;
}

}  // namespace vigil::report
