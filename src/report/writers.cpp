#include "report/writers.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <mutex>
#include <thread>

#include "core/file.hpp"
#include "core/json_out.hpp"
#include "core/time.hpp"

namespace vigil::report {

namespace fs = std::filesystem;
using modules::Json;

std::string dump(const Json& value, int indent) {
  return value.dump(indent, ' ', false, Json::error_handler_t::replace);
}

namespace {

bool stop_direct(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && ::fcntl(fd, F_SETFL, flags & ~O_DIRECT) == 0;
}

bool start_direct(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_DIRECT) == 0;
}

// Writes the whole blocks of every page-cache-bypassing output file, each file's in the order they
// were handed over, on kThreads threads (two files' blocks at once: the device is faster with
// more than one write in flight), from a pool of kPoolChunks aligned buffers: at most that much is
// in flight, however many files are open, and a producer waits only when the device falls behind.
class DirectWriter {
 public:
  using Target = BufferedFile::DirectTarget;
  static constexpr std::size_t kChunk = BufferedFile::kFlushBytes;
  static constexpr std::size_t kPoolChunks = 4;
  static constexpr std::size_t kThreads = 2;

  static DirectWriter& instance() {
    static DirectWriter writer;
    return writer;
  }

  /// An aligned buffer of kChunk bytes; null when none can be allocated.
  char* acquire() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !free_.empty() || allocated_ < kPoolChunks; });
    if (!free_.empty()) {
      char* chunk = free_.back();
      free_.pop_back();
      return chunk;
    }
    auto* chunk = static_cast<char*>(std::aligned_alloc(BufferedFile::kDirectAlign, kChunk));
    if (chunk != nullptr) ++allocated_;
    return chunk;
  }

  /// Queues `size` bytes (whole blocks) of `chunk` for the target's file; the chunk comes back
  /// to the pool once written.
  void submit(Target& target, char* chunk, std::size_t size) {
    {
      std::lock_guard lock(mutex_);
      ++target.in_flight;
      jobs_.push_back(Job{&target, chunk, size});
      if (threads_.empty())
        for (std::size_t i = 0; i < kThreads; ++i) threads_.emplace_back([this] { run(); });
    }
    changed_.notify_all();
  }

  /// Waits until every block handed over for the target is written.
  void drain(Target& target) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return target.in_flight == 0; });
  }

  DirectWriter(const DirectWriter&) = delete;
  DirectWriter& operator=(const DirectWriter&) = delete;

 private:
  struct Job {
    Target* target;
    char* chunk;
    std::size_t size;
  };

  DirectWriter() = default;
  ~DirectWriter() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    for (auto& thread : threads_) thread.join();
    for (char* chunk : free_) std::free(chunk);
  }

  // A file system that takes O_DIRECT at open but refuses these writes (EINVAL), or writes a
  // short count (the offset is no longer aligned), gets the rest the ordinary way.
  static void write_blocks(Target& t, const char* data, std::size_t size) {
    while (size > 0 && !t.failed && t.direct) {
      const ssize_t written = ::write(t.fd, data, size);
      if (written < 0 && errno == EINTR) continue;
      if (written < 0 && errno == EINVAL) {
        t.direct = false;
        t.failed = !stop_direct(t.fd);
        break;
      }
      if (written <= 0) {
        t.failed = true;
        return;
      }
      data += written;
      size -= static_cast<std::size_t>(written);
      if (size > 0) {
        t.direct = false;
        t.failed = !stop_direct(t.fd);
      }
    }
    if (size > 0 && !t.failed) t.failed = !core::write_all(t.fd, data, size);
  }

  // The oldest job of a file no other thread is writing: a file's blocks stay in order.
  std::deque<Job>::iterator next_job() {
    return std::find_if(jobs_.begin(), jobs_.end(),
                        [](const Job& j) { return !j.target->writing; });
  }

  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      changed_.wait(lock, [&] { return next_job() != jobs_.end() || (stop_ && jobs_.empty()); });
      auto it = next_job();
      if (it == jobs_.end()) return;
      Job job = *it;
      jobs_.erase(it);
      job.target->writing = true;
      lock.unlock();
      write_blocks(*job.target, job.chunk, job.size);
      lock.lock();
      job.target->writing = false;
      free_.push_back(job.chunk);
      --job.target->in_flight;
      changed_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<char*> free_;
  std::size_t allocated_ = 0;
  std::deque<Job> jobs_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace

BufferedFile::~BufferedFile() { close(); }

bool BufferedFile::open(const fs::path& path, Cache cache) {
  constexpr int kFlags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
  bypass_ = false;
  keep_first_ = cache == Cache::keep_first;
  cached_left_ = 0;
  written_ = 0;
  if (cache == Cache::bypass) {
    fd_ = ::open(path.c_str(), kFlags | O_DIRECT, 0666);
    bypass_ = fd_ >= 0;
  }
  if (fd_ < 0) fd_ = ::open(path.c_str(), kFlags, 0666);
  target_ = DirectTarget{};
  target_.fd = fd_;
  failed_ = fd_ < 0;
  return !failed_;
}

void BufferedFile::flush() {
  if (fd_ < 0 || buffer_.empty()) {
    buffer_.clear();
    return;
  }
  if (cached_left_ != 0) {
    const std::size_t n = std::min(cached_left_, buffer_.size());
    failed_ = !core::write_all(fd_, buffer_.data(), n) || failed_;
    written_ += n;
    cached_left_ -= n;
    buffer_.erase(0, n);
    // The cached part ends on a block boundary: the rest bypasses the cache, if it can.
    if (cached_left_ == 0) bypass_ = start_direct(fd_);
    if (buffer_.empty()) return;
  }
  if (!bypass_) {
    failed_ = !core::write_all(fd_, buffer_.data(), buffer_.size()) || failed_;
    written_ += buffer_.size();
    buffer_.clear();
    return;
  }
  // Whole blocks go to the background writer; the partial block stays at the front of the
  // buffer for the next flush.
  auto& writer = DirectWriter::instance();
  const std::size_t blocks = buffer_.size() & ~(kDirectAlign - 1);
  std::size_t done = 0;
  while (done < blocks) {
    char* chunk = writer.acquire();
    if (chunk == nullptr) break;  // out of memory: the rest is written the ordinary way
    const std::size_t n = std::min(blocks - done, DirectWriter::kChunk);
    std::memcpy(chunk, buffer_.data() + done, n);
    writer.submit(target_, chunk, n);
    done += n;
  }
  if (done < blocks) {
    writer.drain(target_);
    bypass_ = false;
    if (target_.direct) target_.failed = !stop_direct(fd_) || target_.failed;
    failed_ = target_.failed || failed_;
    failed_ = !core::write_all(fd_, buffer_.data() + done, buffer_.size() - done) || failed_;
    buffer_.clear();
    return;
  }
  buffer_.erase(0, blocks);
}

void BufferedFile::bypass_from_here() {
  if (!keep_first_ || fd_ < 0) return;
  keep_first_ = false;
  const std::size_t end = written_ + buffer_.size();
  cached_left_ = (end + kDirectAlign - 1) / kDirectAlign * kDirectAlign - written_;
  if (cached_left_ == 0) bypass_ = start_direct(fd_);
}

bool BufferedFile::close() {
  if (fd_ < 0) return !failed_;
  flush();
  if (bypass_) {
    DirectWriter::instance().drain(target_);
    if (target_.direct && !buffer_.empty()) target_.failed = !stop_direct(fd_) || target_.failed;
    failed_ = target_.failed || failed_;
  }
  if (!buffer_.empty() && !failed_) failed_ = !core::write_all(fd_, buffer_.data(), buffer_.size());
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
    if (!file_.open(path_, BufferedFile::Cache::keep_first)) {
      failed_ = true;
      return false;
    }
    if (!single_object_) file_.buffer() += "[\n";
  }
  if (single_object_) return count_++ == 0;
  // One compact record per line: valid JSON, greppable, and no re-indentation pass per record.
  if (count_ == kReportModuleRows) file_.bypass_from_here();
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

modules::Json ioc_files_json(const indicators::IndicatorSet& set) {
  modules::Json files = modules::Json::array();
  for (const auto& s : set.sources())
    files.push_back(
        {{"path", s.path}, {"sha256", s.sha256}, {"indicators", s.indicators}, {"date", s.date}});
  return files;
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
