#include "tools/bench/latency_histogram.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace tensord::bench {
namespace {

// The exact percentile by the same rule (smallest value with at least p% at or below it).
uint64_t ExactPercentile(std::vector<uint64_t> values, double p) {
  std::sort(values.begin(), values.end());
  const size_t rank = std::max<size_t>(1, size_t(std::ceil(p / 100.0 * double(values.size()))));
  return values[rank - 1];
}

void ExpectClose(uint64_t got, uint64_t want, const char* what) {
  EXPECT_LE(std::abs(double(got) - double(want)),
            LatencyHistogram::kRelativeError * double(want) + 1)
      << what << ": got " << got << " want " << want;
}

TEST(LatencyHistogramTest, BucketsCoverEveryValueWithBoundedWidth) {
  for (uint64_t v : std::vector<uint64_t>{0, 1, 255, 256, 257, 511, 512, 1000, 123456789,
                                          LatencyHistogram::kMaxValue}) {
    const size_t i = LatencyHistogram::BucketIndex(v);
    EXPECT_LE(LatencyHistogram::BucketLow(i), v);
    EXPECT_GE(LatencyHistogram::BucketHigh(i), v);
    const double width = double(LatencyHistogram::BucketHigh(i) - LatencyHistogram::BucketLow(i));
    EXPECT_LE(width, double(v) / 128.0 + 1) << v;
  }
  // Buckets are contiguous.
  for (size_t i = 0; i + 1 < LatencyHistogram::BucketIndex(1'000'000); ++i) {
    EXPECT_EQ(LatencyHistogram::BucketHigh(i) + 1, LatencyHistogram::BucketLow(i + 1)) << i;
  }
}

TEST(LatencyHistogramTest, UniformDistributionPercentilesWithinPrecision) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<uint64_t> uniform(10'000, 50'000'000);  // 10 µs .. 50 ms
  std::vector<uint64_t> values;
  LatencyHistogram h;
  for (int i = 0; i < 200'000; ++i) {
    values.push_back(uniform(rng));
    h.RecordNs(values.back());
  }
  for (double p : {1.0, 50.0, 90.0, 95.0, 99.0, 99.9, 100.0}) {
    ExpectClose(h.PercentileNs(p), ExactPercentile(values, p), "uniform");
  }
  // The analytic median of U(a, b).
  EXPECT_NEAR(double(h.PercentileNs(50)), 25'005'000.0, 25'005'000.0 * 0.01);
  EXPECT_EQ(h.count(), 200'000u);
}

TEST(LatencyHistogramTest, ExponentialDistributionPercentilesWithinPrecision) {
  std::mt19937_64 rng(11);
  std::exponential_distribution<double> exponential(1.0 / 2'000'000.0);  // mean 2 ms
  std::vector<uint64_t> values;
  LatencyHistogram h;
  for (int i = 0; i < 200'000; ++i) {
    values.push_back(static_cast<uint64_t>(exponential(rng)) + 1);
    h.RecordNs(values.back());
  }
  for (double p : {50.0, 90.0, 99.0, 99.99}) {
    ExpectClose(h.PercentileNs(p), ExactPercentile(values, p), "exponential");
  }
  // Analytic quantiles of Exp(mean 2 ms): -ln(1-p) × mean (sampling error ~1-2%).
  EXPECT_NEAR(double(h.PercentileNs(50)), std::log(2.0) * 2e6, 0.02 * std::log(2.0) * 2e6);
  EXPECT_NEAR(double(h.PercentileNs(99)), std::log(100.0) * 2e6, 0.03 * std::log(100.0) * 2e6);
  EXPECT_NEAR(h.mean_ns(), 2e6, 0.02 * 2e6);
}

TEST(LatencyHistogramTest, MergeEqualsRecordingEverything) {
  LatencyHistogram a, b, all;
  for (uint64_t v = 1000; v < 100'000; v += 7) {
    ((v % 2) ? a : b).RecordNs(v);
    all.RecordNs(v);
  }
  a.Merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min_ns(), all.min_ns());
  EXPECT_EQ(a.max_ns(), all.max_ns());
  for (double p : {10.0, 50.0, 99.0}) EXPECT_EQ(a.PercentileNs(p), all.PercentileNs(p));
}

TEST(LatencyHistogramTest, EmptyClampedAndExtremes) {
  LatencyHistogram h;
  EXPECT_EQ(h.PercentileNs(99), 0u);
  EXPECT_EQ(h.mean_ns(), 0.0);
  h.RecordNs(LatencyHistogram::kMaxValue * 2);
  EXPECT_EQ(h.clamped_count(), 1u);
  EXPECT_EQ(h.max_ns(), LatencyHistogram::kMaxValue);
  h.Clear();
  h.RecordNs(5000);
  EXPECT_EQ(h.PercentileNs(0), 5000u);  // clamped to the exact min and max
  EXPECT_EQ(h.PercentileNs(100), 5000u);
}

}  // namespace
}  // namespace tensord::bench
