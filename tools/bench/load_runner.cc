#include "tools/bench/load_runner.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/status_util.h"
#include "fmt/format.h"

namespace tensord::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kMaxDistinctErrors = 5;
constexpr std::chrono::milliseconds kLateThreshold{1};

// What one worker saw since the last collection.
struct Window {
  LatencyHistogram latency;
  uint64_t ok = 0;
  uint64_t failed = 0;
  int64_t send_ns = 0;
  int64_t recv_ns = 0;
  uint64_t late = 0;
  std::map<std::string, uint64_t> errors;

  void Merge(const Window& o) {
    latency.Merge(o.latency);
    ok += o.ok;
    failed += o.failed;
    send_ns += o.send_ns;
    recv_ns += o.recv_ns;
    late += o.late;
    for (const auto& [message, n] : o.errors) {
      if (errors.size() < kMaxDistinctErrors || errors.contains(message)) errors[message] += n;
    }
  }
};

struct WorkerSlot {
  std::mutex mutex;
  Window window;
};

// Shared state of one point's workers.
class Workers {
 public:
  Workers(Backend& backend, const LoadPoint& point, const RunnerOptions& options)
      : backend_(backend), point_(point), options_(options) {
    const int n =
        point.mode == LoadMode::kConcurrency ? static_cast<int>(point.value) : options.max_threads;
    slots_.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) slots_.push_back(std::make_unique<WorkerSlot>());
    if (point.mode == LoadMode::kRate) {
      schedule_.emplace(point.value, options.distribution, options.seed);
    }
  }

  int count() const { return static_cast<int>(slots_.size()); }
  uint64_t completions() const { return completions_.load(std::memory_order_relaxed); }

  void Start() {
    start_ = Clock::now();
    for (size_t i = 0; i < slots_.size(); ++i) {
      threads_.emplace_back([this, i] { Loop(i); });
    }
  }

  void Stop() {
    {
      std::lock_guard lock(schedule_mutex_);
      stop_ = true;
    }
    schedule_cv_.notify_all();
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }

  // Takes every worker's window and starts fresh ones.
  Window Collect() {
    Window total;
    for (auto& slot : slots_) {
      Window taken;
      {
        std::lock_guard lock(slot->mutex);
        std::swap(taken, slot->window);
      }
      total.Merge(taken);
    }
    return total;
  }

 private:
  void Loop(size_t index) {
    absl::StatusOr<ClientPtr> client = backend_.NewClient();
    if (!client.ok()) {
      Record(index, Clock::now(), Clock::now(), client.status(), {}, false);
      return;
    }
    const size_t prepared = std::max<size_t>(1, backend_.prepared_count());
    size_t next = index;  // workers start at different prepared requests
    while (true) {
      Clock::time_point intended;
      if (schedule_) {
        std::unique_lock lock(schedule_mutex_);
        if (stop_flag()) return;
        intended = start_ + schedule_->Next();
        if (schedule_cv_.wait_until(lock, intended, [this] { return stop_flag(); })) return;
      } else if (stop_flag()) {
        return;
      }
      const Clock::time_point sent = Clock::now();
      if (!schedule_) intended = sent;
      CallTiming timing;
      absl::Status status = (*client)->Infer(next++ % prepared, timing);
      Record(index, intended, Clock::now(), status, timing, sent - intended > kLateThreshold);
    }
  }

  bool stop_flag() const { return stop_.load(std::memory_order_relaxed); }

  void Record(size_t index, Clock::time_point from, Clock::time_point to,
              const absl::Status& status, const CallTiming& timing, bool late) {
    WorkerSlot& slot = *slots_[index];
    {
      std::lock_guard lock(slot.mutex);
      Window& w = slot.window;
      if (status.ok()) {
        w.latency.Record(to - from);
        ++w.ok;
        w.send_ns += timing.send_ns;
        w.recv_ns += timing.recv_ns;
      } else {
        ++w.failed;
        const std::string message(status.message());
        if (w.errors.size() < kMaxDistinctErrors || w.errors.contains(message)) {
          ++w.errors[message];
        }
      }
      if (late) ++w.late;
    }
    completions_.fetch_add(1, std::memory_order_relaxed);
  }

  Backend& backend_;
  LoadPoint point_;
  const RunnerOptions& options_;
  std::vector<std::unique_ptr<WorkerSlot>> slots_;
  std::vector<std::thread> threads_;
  std::atomic<uint64_t> completions_{0};
  Clock::time_point start_;
  // Guards the open-loop schedule (workers take due times in order) and orders stop_ with
  // the condition variable the open-loop workers sleep on.
  std::mutex schedule_mutex_;
  std::condition_variable schedule_cv_;
  std::atomic<bool> stop_{false};
  std::optional<ArrivalSchedule> schedule_;
};

double LatencyForStability(const Window& w, const std::optional<double>& percentile) {
  return percentile ? w.latency.PercentileUs(*percentile) : w.latency.mean_ns() / 1000.0;
}

std::optional<ServerStatsSnapshot> Snapshot(Backend& backend, std::string& note) {
  absl::StatusOr<std::optional<ServerStatsSnapshot>> s = backend.Statistics();
  if (!s.ok()) {
    if (note.empty()) note = fmt::format("server statistics failed: {}", Message(s.status()));
    return std::nullopt;
  }
  return *s;
}

}  // namespace

std::optional<ServerBreakdown> Breakdown(const std::optional<ServerStatsSnapshot>& before,
                                         const std::optional<ServerStatsSnapshot>& after) {
  if (!before || !after) return std::nullopt;
  ServerBreakdown b;
  b.requests = after->success_count - before->success_count;
  const double n = b.requests ? double(b.requests) : 1.0;
  b.queue_us = double(after->queue_ns - before->queue_ns) / n / 1000.0;
  b.compute_input_us = double(after->compute_input_ns - before->compute_input_ns) / n / 1000.0;
  b.compute_infer_us = double(after->compute_infer_ns - before->compute_infer_ns) / n / 1000.0;
  b.compute_output_us = double(after->compute_output_ns - before->compute_output_ns) / n / 1000.0;
  const uint64_t executions = after->execution_count - before->execution_count;
  b.avg_batch = executions
                    ? double(after->inference_count - before->inference_count) / double(executions)
                    : 0.0;
  return b;
}

absl::StatusOr<PointResult> LoadRunner::Run(const LoadPoint& point) {
  if (point.value <= 0) {
    return absl::InvalidArgumentError(fmt::format(
        "{} must be positive, got {}",
        point.mode == LoadMode::kConcurrency ? "concurrency" : "request rate", point.value));
  }
  const std::string label = point.mode == LoadMode::kConcurrency
                                ? fmt::format("concurrency {}", point.value)
                                : fmt::format("rate {}/s", point.value);
  Workers workers(backend_, point, options_);
  PointResult result;
  result.point = point;
  auto report = [&](const std::string& text) {
    if (options_.progress) options_.progress(fmt::format("{}: {}", label, text));
  };

  // Sleeps until `until`, waking to report progress.
  auto wait = [&](Clock::time_point until, const std::function<bool()>& done,
                  const std::string& what) {
    while (Clock::now() < until && !(done && done())) {
      std::this_thread::sleep_for(std::min<Clock::duration>(
          std::chrono::milliseconds(options_.progress ? 250 : 50), until - Clock::now()));
      report(fmt::format("{} ({} responses so far)", what, workers.completions()));
    }
  };

  workers.Start();
  const uint64_t warmup = options_.warmup_requests >= 0
                              ? static_cast<uint64_t>(options_.warmup_requests)
                              : static_cast<uint64_t>(std::max(10, 2 * workers.count()));
  wait(
      Clock::now() + options_.window, [&] { return workers.completions() >= warmup; },
      "warming up");
  Window discarded = workers.Collect();
  result.failed_total += discarded.failed;
  result.completed_total += discarded.ok;

  std::vector<Window> windows;
  std::vector<double> seconds;
  std::vector<WindowValues> values;
  std::vector<std::optional<ServerStatsSnapshot>> snapshots;
  snapshots.push_back(Snapshot(backend_, result.note));
  Clock::time_point window_start = Clock::now();
  for (int trial = 1; trial <= options_.max_trials; ++trial) {
    wait(window_start + options_.window, nullptr,
         fmt::format(
             "window {}/{}{}", trial, options_.max_trials,
             values.empty() ? "" : fmt::format(", last {:.1f} infer/s", values.back().throughput)));
    Window w = workers.Collect();
    const Clock::time_point now = Clock::now();
    snapshots.push_back(Snapshot(backend_, result.note));
    const double s = std::chrono::duration<double>(now - window_start).count();
    window_start = now;
    result.failed_total += w.failed;
    result.completed_total += w.ok;
    values.push_back({double(w.ok * static_cast<uint64_t>(options_.batch)) / s,
                      LatencyForStability(w, options_.percentile)});
    windows.push_back(std::move(w));
    seconds.push_back(s);
    if (windows.back().ok == 0 && windows.back().failed > 0) {
      result.note = "every request of the window failed";
      break;
    }
    if (IsStable(values, options_.rule)) {
      result.stable = true;
      break;
    }
  }
  report("stopping");
  workers.Stop();
  // Requests in flight at the end finish before Stop() returns: they count in the totals
  // (the server counted them too) but in no window.
  const Window tail = workers.Collect();
  result.failed_total += tail.failed;
  result.completed_total += tail.ok;

  result.windows = static_cast<int>(windows.size());
  const size_t take =
      std::min(windows.size(), static_cast<size_t>(std::max(1, options_.rule.windows)));
  const size_t first = windows.size() - take;
  Window merged;
  for (size_t i = first; i < windows.size(); ++i) {
    merged.Merge(windows[i]);
    result.duration_s += seconds[i];
  }
  result.reported_windows = static_cast<int>(take);
  result.completed = merged.ok;
  result.failed = merged.failed;
  result.errors = std::move(merged.errors);
  for (const Window& w : windows) {
    for (const auto& [message, n] : w.errors) {
      if (!result.errors.contains(message) && result.errors.size() < kMaxDistinctErrors) {
        result.errors[message] = 0;  // seen outside the reported windows
      }
    }
  }
  for (const auto& [message, n] : discarded.errors) {
    if (!result.errors.contains(message) && result.errors.size() < kMaxDistinctErrors) {
      result.errors[message] = 0;
    }
  }
  result.latency = std::move(merged.latency);
  result.late_sends = merged.late;
  if (result.duration_s > 0) {
    result.requests_per_sec = double(merged.ok) / result.duration_s;
    result.inferences_per_sec = result.requests_per_sec * double(options_.batch);
  }
  if (merged.ok) {
    result.avg_send_us = double(merged.send_ns) / double(merged.ok) / 1000.0;
    result.avg_recv_us = double(merged.recv_ns) / double(merged.ok) / 1000.0;
  }
  result.server = Breakdown(snapshots[first], snapshots.back());
  return result;
}

}  // namespace tensord::bench
