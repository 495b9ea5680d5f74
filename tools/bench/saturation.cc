#include "tools/bench/saturation.h"

#include <algorithm>
#include <cmath>

#include "fmt/format.h"

namespace tensord::bench {

bool KeepSweeping(const std::vector<SweepPoint>& points) {
  if (points.size() < 3) return true;
  auto gained = [&](size_t i) {
    double best_before = 0;
    for (size_t j = 0; j < i; ++j) best_before = std::max(best_before, points[j].throughput);
    return points[i].throughput > best_before * (1 + kMinGain);
  };
  const size_t n = points.size();
  return gained(n - 1) || gained(n - 2);
}

SweepSummary Summarize(const std::vector<SweepPoint>& points) {
  SweepSummary s;
  if (points.empty()) return s;
  // The low-load reference is the better of the first two points: one stall in the very
  // first window after a server start must not hide the knee.
  size_t reference = 0;
  if (points.size() > 1 && points[1].p99_us < points[0].p99_us) reference = 1;
  s.low_load_p50_us = points[reference].p50_us;
  s.low_load_p99_us = points[reference].p99_us;
  for (size_t i = 0; i < points.size(); ++i) {
    const SweepPoint& p = points[i];
    if (p.throughput > s.max_throughput) {
      s.max_throughput = p.throughput;
      s.max_at_concurrency = p.concurrency;
      s.p50_at_max_us = p.p50_us;
      s.p99_at_max_us = p.p99_us;
    }
    if (i > reference && !s.knee && p.p99_us > kKneeFactor * s.low_load_p99_us) {
      s.knee = p.concurrency;
      s.throughput_at_knee = p.throughput;
    }
  }
  return s;
}

Recommendation Recommend(const std::vector<WorkerResult>& results, const CoreBudget& cores,
                         int rows_per_request) {
  const int rows = std::max(1, rows_per_request);
  Recommendation r;
  if (results.empty()) return r;
  double best = 0;
  for (const WorkerResult& w : results) best = std::max(best, w.summary.max_throughput);
  const WorkerResult* chosen = &results.front();
  for (const WorkerResult& w : results) {
    if (w.summary.max_throughput >= 0.95 * best) {
      chosen = &w;
      break;
    }
  }
  r.parallel_workers = chosen->workers;
  const WorkerResult& one = results.front();
  r.reasoning.push_back(fmt::format(
      "parallel_workers {}: the fewest workers within 5% of the best max throughput ({:.0f} "
      "inferences/s; {} worker(s) reached {:.0f}).",
      r.parallel_workers, best, one.workers, one.summary.max_throughput));
  // Where did more workers stop helping, and is that the core budget?
  for (size_t i = 1; i < results.size(); ++i) {
    const double before = results[i - 1].summary.max_throughput;
    const double now = results[i].summary.max_throughput;
    if (now < before * (1 + kMinGain)) {
      const int w = results[i].workers;
      if (w > cores.usable) {
        r.reasoning.push_back(fmt::format(
            "More workers stop helping at {}: only {} core(s) are usable here ({}), and the "
            "load generator shares them; workers beyond the cores only add contention.",
            w, cores.usable, cores.Describe()));
      } else {
        r.reasoning.push_back(fmt::format(
            "More workers stop helping at {} although {} core(s) are usable: the limit is "
            "elsewhere (the load generator on the same cores, the frontend's I/O thread, or "
            "intra-op threads already using every core).",
            w, cores.usable));
      }
      break;
    }
  }
  if (results.back().workers > cores.usable) {
    r.reasoning.push_back(fmt::format(
        "Usable cores: {}; with more workers than cores each worker gets a share of a core.",
        cores.Describe()));
  }
  const SweepSummary& s = chosen->summary;
  // Requests beyond one per worker wait in the queue: that queue is what a batch can absorb.
  const int in_flight = std::max(1, s.knee.value_or(s.max_at_concurrency));
  const int per_worker = std::max(1, in_flight / std::max(1, r.parallel_workers));
  int batch = 1;
  while (batch < per_worker && batch < 64) batch *= 2;
  r.max_batch_size = batch * rows;
  r.max_batch_time_ms = std::clamp(s.low_load_p50_us / 2.0 / 1000.0, 0.1, 10.0);
  const std::string of_rows =
      rows > 1 ? fmt::format(" of {} rows", rows) : std::string();
  if (batch <= 1) {
    r.reasoning.push_back(fmt::format(
        "max_batch_size {} ({}): throughput peaked with about one request{} per worker in "
        "flight, so there is no queue for a batch to absorb.",
        r.max_batch_size, rows > 1 ? "one request's rows, no batching beyond it" : "batching off",
        of_rows));
  } else {
    r.reasoning.push_back(fmt::format(
        "max_batch_size {}: at the {} (concurrency {}) about {} request(s){} per worker are in "
        "flight; a batch of {} request(s) absorbs the queue instead of serving it one by one.",
        r.max_batch_size, s.knee ? "knee" : "throughput peak", in_flight, per_worker, of_rows,
        batch));
  }
  r.reasoning.push_back(fmt::format(
      "max_batch_time {:.2f} ms: half the low-load median latency ({:.0f} µs), so a lone "
      "request never waits more than half its own service time for company. These batch "
      "settings are a heuristic from runs without batching: measure them.",
      r.max_batch_time_ms, s.low_load_p50_us));
  return r;
}

}  // namespace tensord::bench
