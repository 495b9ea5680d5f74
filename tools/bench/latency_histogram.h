// A log-linear latency histogram in the style of HdrHistogram: exact counts in buckets whose
// width grows with the value, so every recorded value is known to 2 significant digits.
//
//   LatencyHistogram h;
//   h.Record(std::chrono::nanoseconds(1'234'567));
//   h.Percentile(99.0);      // nanoseconds, within h.kRelativeError of the true p99
//   other.Merge(h);
//
// Layout: values below 256 ns have one bucket per nanosecond; above, each power-of-two range
// [2^k, 2^(k+1)) is split into 128 equal buckets, so a bucket is at most 1/128 of its values
// wide. A percentile reports the middle of its bucket (clamped to the exact minimum and
// maximum), so the error is at most half a bucket: below 0.4% of the value. Values above
// kMaxValue (60 s) are counted at kMaxValue and reported by clamped_count(). Not thread-safe:
// keep one per thread and merge.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace tensord::bench {

class LatencyHistogram {
 public:
  static constexpr uint64_t kMaxValue = 60'000'000'000;  // 60 s in ns
  static constexpr double kRelativeError = 1.0 / 256;

  LatencyHistogram();

  void Record(std::chrono::nanoseconds value);
  void RecordNs(uint64_t value_ns);
  void Merge(const LatencyHistogram& other);
  void Clear();

  uint64_t count() const { return count_; }
  uint64_t clamped_count() const { return clamped_; }
  uint64_t min_ns() const { return count_ ? min_ : 0; }
  uint64_t max_ns() const { return max_; }
  double mean_ns() const { return count_ ? double(sum_) / double(count_) : 0.0; }
  // The smallest recorded value v such that at least `percent`% of the values are <= v,
  // to the histogram's precision; 0 when empty. `percent` in [0, 100].
  uint64_t PercentileNs(double percent) const;
  double PercentileUs(double percent) const { return double(PercentileNs(percent)) / 1000.0; }

  // Bucket arithmetic, public for tests.
  static size_t BucketIndex(uint64_t value_ns);
  static uint64_t BucketLow(size_t index);
  static uint64_t BucketHigh(size_t index);  // inclusive

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t clamped_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
  // Sum in ns: 2^64 ns is 584 years of summed latency, enough for any run.
  uint64_t sum_ = 0;
};

}  // namespace tensord::bench
