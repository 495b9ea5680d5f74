#include "tools/bench/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace tensord::bench {
namespace {

constexpr uint64_t kLinearLimit = 256;  // values below this have their own bucket
constexpr uint64_t kSubBuckets = 128;   // buckets per power of two above the limit

}  // namespace

size_t LatencyHistogram::BucketIndex(uint64_t value) {
  if (value < kLinearLimit) return static_cast<size_t>(value);
  const int msb = 63 - std::countl_zero(value);  // >= 8
  const int shift = msb - 7;                     // (value >> shift) is in [128, 255]
  return static_cast<size_t>(kLinearLimit + (shift - 1) * kSubBuckets +
                             ((value >> shift) - kSubBuckets));
}

uint64_t LatencyHistogram::BucketLow(size_t index) {
  if (index < kLinearLimit) return index;
  const uint64_t j = index - kLinearLimit;
  const uint64_t shift = j / kSubBuckets + 1;
  return (j % kSubBuckets + kSubBuckets) << shift;
}

uint64_t LatencyHistogram::BucketHigh(size_t index) {
  if (index < kLinearLimit) return index;
  const uint64_t j = index - kLinearLimit;
  const uint64_t shift = j / kSubBuckets + 1;
  return ((j % kSubBuckets + kSubBuckets + 1) << shift) - 1;
}

LatencyHistogram::LatencyHistogram() : counts_(BucketIndex(kMaxValue) + 1, 0) {}

void LatencyHistogram::Record(std::chrono::nanoseconds value) {
  RecordNs(value.count() < 0 ? 0 : static_cast<uint64_t>(value.count()));
}

void LatencyHistogram::RecordNs(uint64_t value) {
  if (value > kMaxValue) {
    value = kMaxValue;
    ++clamped_;
  }
  ++counts_[BucketIndex(value)];
  ++count_;
  sum_ += value;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  clamped_ += other.clamped_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void LatencyHistogram::Clear() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = clamped_ = sum_ = max_ = 0;
  min_ = UINT64_MAX;
}

uint64_t LatencyHistogram::PercentileNs(double percent) const {
  if (count_ == 0) return 0;
  percent = std::clamp(percent, 0.0, 100.0);
  const uint64_t rank =
      std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(percent / 100.0 * double(count_))));
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const uint64_t middle = BucketLow(i) + (BucketHigh(i) - BucketLow(i)) / 2;
      return std::clamp(middle, min_, max_);
    }
  }
  return max_;
}

}  // namespace tensord::bench
