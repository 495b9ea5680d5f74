// perf_analyzer's stability rule: a load point is measured in back-to-back windows until the
// last `windows` of them agree — throughput and the chosen latency each within
// ±tolerance of their mean over those windows — or the trial limit is hit.
//
//   std::vector<WindowValues> seen = {{1000, 250}, {1040, 260}, {990, 255}};
//   bool done = IsStable(seen, {.tolerance = 0.10, .windows = 3});
#pragma once

#include <span>

namespace tensord::bench {

struct WindowValues {
  double throughput = 0;  // inferences per second
  double latency = 0;     // the latency that drives stability (average or a percentile), µs
};

struct StabilityRule {
  double tolerance = 0.10;  // ±10% of the mean
  int windows = 3;          // consecutive windows that must agree
};

// True when the last `rule.windows` entries agree. A window with no completed request
// (throughput 0) is never stable: a stalled server must not look like a steady one.
bool IsStable(std::span<const WindowValues> windows, const StabilityRule& rule);

}  // namespace tensord::bench
