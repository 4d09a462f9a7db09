#include "engine/runner.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

namespace vigil::engine {

std::vector<report::ModuleOutcome> run_backup(const vfs::IosBackup& backup,
                                              const indicators::IndicatorSet* iocs,
                                              const RunOptions& options) {
  std::vector<const modules::ModuleSpec*> selected;
  for (const auto* spec : modules::backup_modules()) {
    if (options.modules.empty() || std::find(options.modules.begin(), options.modules.end(),
                                             spec->slug) != options.modules.end())
      selected.push_back(spec);
  }
  std::vector<std::string> patterns;
  for (const auto* spec : selected)
    for (std::string_view pattern : spec->manifest_patterns) patterns.emplace_back(pattern);
  backup.expect_path_patterns(std::move(patterns));
  std::vector<report::ModuleOutcome> outcomes(selected.size());
  // Start the modules that read the largest artifacts first, so that the others fill the gaps
  // on the other cores; outcomes stay in module order.
  static constexpr std::string_view kLargest[] = {
      "manifest", "sms", "whatsapp", "safari_history", "interaction_c", "chrome_history"};
  std::vector<std::size_t> schedule(selected.size());
  for (std::size_t i = 0; i < schedule.size(); ++i) schedule[i] = i;
  auto rank = [&](std::size_t i) {
    auto it = std::find(std::begin(kLargest), std::end(kLargest), selected[i]->slug);
    return static_cast<std::size_t>(it - std::begin(kLargest));
  };
  std::stable_sort(schedule.begin(), schedule.end(),
                   [&](std::size_t a, std::size_t b) { return rank(a) < rank(b); });
  std::atomic<std::size_t> next{0};
  // Progress: the contexts of the running modules, under the mutex (a context is listed only
  // while it exists).
  std::mutex progress_mutex;
  std::condition_variable all_done;
  std::size_t done = 0;
  std::vector<const modules::ModuleContext*> running;
  auto report_progress = [&] {  // with progress_mutex held
    Progress p{done, selected.size(), {}};
    for (const auto* c : running) p.running.emplace_back(c->slug(), c->records());
    options.progress(p);
  };

  auto work = [&] {
    for (std::size_t n = next++; n < selected.size(); n = next++) {
      const std::size_t i = schedule[n];
      const modules::ModuleSpec& spec = *selected[i];
      std::optional<report::JsonRecordFile> file;
      if (options.output)
        file.emplace(*options.output / (std::string(spec.slug) + ".json"), spec.object_result);
      std::optional<report::ModuleTimeline> events;
      if (options.timeline != nullptr) events.emplace(*options.timeline, spec.slug, spec.name);
      std::optional<report::UrlFile> urls;
      if (options.output)
        urls.emplace(*options.output / (".urls-" + std::string(spec.slug) + ".tmp"));
      modules::ModuleContext ctx(
          std::string(spec.slug), backup, iocs,
          {file ? &*file : nullptr, events ? &*events : nullptr, urls ? &*urls : nullptr});
      if (options.progress) {
        std::lock_guard lock(progress_mutex);
        running.push_back(&ctx);
        report_progress();
      }
      report::ModuleOutcome& out = outcomes[i];
      out.spec = &spec;
      const auto started = std::chrono::steady_clock::now();
      try {
        spec.run(ctx);
      } catch (const std::exception& e) {
        out.failure = e.what();
      } catch (...) {
        out.failure = "unknown error";
      }
      if (file && !file->close()) ctx.warn("could not write " + std::string(spec.slug) + ".json");
      if (events) events->close();
      if (urls && !urls->close()) ctx.warn("could not write its URLs for urls.json");
      out.seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      out.records = ctx.records();
      out.timeline_events = ctx.timeline_events;
      out.alerts = std::move(ctx.alerts);
      if (urls) out.urls = urls->path();
      out.warnings = std::move(ctx.warnings);
      out.missing = std::move(ctx.missing);
      if (!out.failure.empty()) out.warnings.push_back("module failed: " + out.failure);
      if (options.progress) {
        std::lock_guard lock(progress_mutex);
        std::erase(running, &ctx);
        ++done;
        report_progress();
      }
    }
  };
  unsigned jobs =
      options.jobs != 0 ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  jobs = std::min<unsigned>(jobs, static_cast<unsigned>(std::max<std::size_t>(1, selected.size())));
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < jobs; ++t) threads.emplace_back(work);
  // Between module starts and ends, the records of the running modules are shown as they grow.
  std::thread ticker;
  if (options.progress)
    ticker = std::thread([&] {
      std::unique_lock lock(progress_mutex);
      while (!all_done.wait_for(lock, std::chrono::milliseconds(200),
                                [&] { return done == selected.size(); }))
        report_progress();
    });
  work();
  for (auto& t : threads) t.join();
  if (ticker.joinable()) {
    all_done.notify_one();  // every module has counted itself done
    ticker.join();
  }
  return outcomes;
}

}  // namespace vigil::engine
