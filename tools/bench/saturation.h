// The analysis behind `tensord-bench saturate`, kept free of I/O so it can be tested:
// when to stop a concurrency sweep, where its knee is, and what configuration to recommend.
//
//   std::vector<SweepPoint> points;  // concurrency 1, 2, 4, ... as measured
//   while (KeepSweeping(points)) { points.push_back(Measure(next)); }
//   SweepSummary s = Summarize(points);
//   Recommendation r = Recommend({{1, s1}, {2, s2}}, ReadCoreBudget());
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tools/bench/core_budget.h"

namespace tensord::bench {

struct SweepPoint {
  int concurrency = 1;
  double throughput = 0;  // inferences/s
  double p50_us = 0;
  double p99_us = 0;
  std::optional<double> avg_batch;
  uint64_t failed = 0;
  bool stable = false;
};

// Gains below this count as "throughput stopped growing"; two in a row end a sweep.
constexpr double kMinGain = 0.05;
// The knee: the first point whose p99 exceeds this multiple of the low-load p99 (the lower
// of the first two points' p99).
constexpr double kKneeFactor = 2.0;

// False once the last two points each gained less than kMinGain over the best before them.
bool KeepSweeping(const std::vector<SweepPoint>& points);

struct SweepSummary {
  double max_throughput = 0;
  int max_at_concurrency = 0;
  double p50_at_max_us = 0;
  double p99_at_max_us = 0;
  double low_load_p50_us = 0;
  double low_load_p99_us = 0;
  std::optional<int> knee;  // none: p99 stayed under kKneeFactor × low-load p99
  double throughput_at_knee = 0;
};
SweepSummary Summarize(const std::vector<SweepPoint>& points);

struct WorkerResult {
  int workers = 1;
  SweepSummary summary;
};

struct Recommendation {
  int parallel_workers = 1;
  int max_batch_size = 1;
  double max_batch_time_ms = 0;
  std::vector<std::string> reasoning;  // one sentence per line, for the report
};
// rows_per_request: the rows each measured request carried (-b); max_batch_size counts rows,
// so a batch of k such requests needs k × rows, and batching off still needs one request's.
Recommendation Recommend(const std::vector<WorkerResult>& results, const CoreBudget& cores,
                         int rows_per_request = 1);

}  // namespace tensord::bench
