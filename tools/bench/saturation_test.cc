#include "tools/bench/saturation.h"

#include "gtest/gtest.h"

namespace tensord::bench {
namespace {

SweepPoint P(int c, double tp, double p99, double p50 = 100) {
  return {.concurrency = c, .throughput = tp, .p50_us = p50, .p99_us = p99};
}

TEST(SaturationTest, SweepStopsAfterTwoSmallGains) {
  std::vector<SweepPoint> points = {P(1, 1000, 100), P(2, 1900, 110)};
  EXPECT_TRUE(KeepSweeping(points));
  points.push_back(P(4, 2500, 150));
  EXPECT_TRUE(KeepSweeping(points));
  points.push_back(P(8, 2550, 300));   // +2%
  EXPECT_TRUE(KeepSweeping(points));   // one small gain is not enough
  points.push_back(P(16, 2520, 600));  // below the best
  EXPECT_FALSE(KeepSweeping(points));
}

TEST(SaturationTest, SummaryFindsMaxAndKnee) {
  const SweepSummary s =
      Summarize({P(1, 1000, 100), P(2, 1900, 150), P(4, 2500, 250), P(8, 2550, 500)});
  EXPECT_EQ(s.max_throughput, 2550);
  EXPECT_EQ(s.max_at_concurrency, 8);
  ASSERT_TRUE(s.knee.has_value());
  EXPECT_EQ(*s.knee, 4);  // first p99 above 2 × 100 µs
  EXPECT_FALSE(Summarize({P(1, 10, 100), P(2, 20, 150)}).knee.has_value());
  // A stall in the first window does not become the reference.
  const SweepSummary cold = Summarize({P(1, 10, 9000), P(2, 20, 150), P(4, 30, 400)});
  EXPECT_EQ(cold.low_load_p99_us, 150);
  EXPECT_EQ(cold.knee, 4);
}

TEST(SaturationTest, RecommendationSaysWhenCoresRunOut) {
  CoreBudget cores{.affinity = 2, .usable = 2};
  const SweepSummary one = Summarize({P(1, 1000, 100, 80), P(2, 1500, 300, 90)});
  const SweepSummary two = Summarize({P(1, 1000, 100, 80), P(2, 1900, 150), P(4, 2000, 400)});
  const SweepSummary three = Summarize({P(1, 1000, 100, 80), P(2, 1950, 150), P(4, 1990, 400)});
  const Recommendation r = Recommend({{1, one}, {2, two}, {3, three}}, cores);
  EXPECT_EQ(r.parallel_workers, 2);
  bool said = false;
  for (const std::string& line : r.reasoning) {
    said = said || line.find("More workers stop helping at 3: only 2 core(s) are usable") !=
                       std::string::npos;
  }
  EXPECT_TRUE(said);
  EXPECT_EQ(r.max_batch_size, 2);              // knee at 4 in flight over 2 workers
  EXPECT_DOUBLE_EQ(r.max_batch_time_ms, 0.1);  // half of 80 µs, floored at 0.1 ms
}

// max_batch_size counts rows: with 32-row requests, a batch of two requests is 64 rows, and
// no batching still has to admit one request's 32 (1 would make the model refuse them all).
TEST(SaturationTest, RecommendedBatchCountsTheRequestsRows) {
  CoreBudget cores{.affinity = 2, .usable = 2};
  const SweepSummary queued = Summarize({P(1, 1000, 100, 80), P(2, 1900, 150), P(4, 2000, 400)});
  EXPECT_EQ(Recommend({{1, queued}}, cores, 32).max_batch_size, 128);  // 4 in flight, 1 worker
  EXPECT_EQ(Recommend({{1, queued}}, cores).max_batch_size, 4);
  const SweepSummary alone = Summarize({P(1, 1000, 100, 80), P(2, 1000, 120)});
  const Recommendation r = Recommend({{1, alone}, {2, alone}}, cores, 32);
  EXPECT_EQ(r.max_batch_size, 32);
  bool said = false;
  for (const std::string& line : r.reasoning) {
    said = said || line.find("one request's rows") != std::string::npos;
  }
  EXPECT_TRUE(said);
}

TEST(CoreBudgetTest, ParsesCgroupCpuMax) {
  EXPECT_FALSE(ParseCgroupCpuMax("max 100000\n").has_value());
  EXPECT_DOUBLE_EQ(*ParseCgroupCpuMax("150000 100000\n"), 1.5);
  EXPECT_FALSE(ParseCgroupCpuMax("garbage").has_value());
  EXPECT_GE(ReadCoreBudget().usable, 1);
}

}  // namespace
}  // namespace tensord::bench
