#include "tools/bench/stability.h"

#include <cmath>

namespace tensord::bench {
namespace {

bool WithinTolerance(std::span<const WindowValues> last, double WindowValues::*field,
                     double tolerance) {
  double sum = 0;
  for (const WindowValues& w : last) sum += w.*field;
  const double mean = sum / double(last.size());
  for (const WindowValues& w : last) {
    if (std::abs(w.*field - mean) > tolerance * mean) return false;
  }
  return true;
}

}  // namespace

bool IsStable(std::span<const WindowValues> windows, const StabilityRule& rule) {
  if (rule.windows <= 0 || windows.size() < static_cast<size_t>(rule.windows)) return false;
  std::span<const WindowValues> last = windows.last(static_cast<size_t>(rule.windows));
  for (const WindowValues& w : last) {
    if (w.throughput <= 0) return false;
  }
  return WithinTolerance(last, &WindowValues::throughput, rule.tolerance) &&
         WithinTolerance(last, &WindowValues::latency, rule.tolerance);
}

}  // namespace tensord::bench
