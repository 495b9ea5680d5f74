#include "tools/bench/arrival_schedule.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace tensord::bench {
namespace {

TEST(ArrivalScheduleTest, ConstantRateIsEvenlySpaced) {
  ArrivalSchedule s(200.0, Distribution::kConstant, 1);  // every 5 ms
  EXPECT_EQ(s.Next().count(), 0);
  EXPECT_EQ(s.Next().count(), 5'000'000);
  EXPECT_EQ(s.Next().count(), 10'000'000);
  for (int i = 3; i < 10'000; ++i) s.Next();
  EXPECT_EQ(s.Next().count(), 50'000'000'000);  // no drift after 10,000 arrivals
}

TEST(ArrivalScheduleTest, PoissonMeanRateWithinTolerance) {
  const double rate = 1000.0;
  ArrivalSchedule s(rate, Distribution::kPoisson, 42);
  const int n = 100'000;
  std::vector<double> gaps;
  double last = 0;
  for (int i = 0; i < n; ++i) {
    const double t = double(s.Next().count());
    ASSERT_GE(t, last);
    if (i > 0) gaps.push_back(t - last);
    last = t;
  }
  const double measured_rate = double(n - 1) / (last / 1e9);
  EXPECT_NEAR(measured_rate, rate, rate * 0.02);
  // Exponential gaps: the standard deviation equals the mean (coefficient of variation 1).
  double mean = 0, var = 0;
  for (double g : gaps) mean += g;
  mean /= double(gaps.size());
  for (double g : gaps) var += (g - mean) * (g - mean);
  const double cv = std::sqrt(var / double(gaps.size())) / mean;
  EXPECT_NEAR(cv, 1.0, 0.03);
}

TEST(ArrivalScheduleTest, PoissonIsReproducibleFromItsSeed) {
  ArrivalSchedule a(500.0, Distribution::kPoisson, 9), b(500.0, Distribution::kPoisson, 9),
      c(500.0, Distribution::kPoisson, 10);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const auto x = a.Next();
    EXPECT_EQ(x, b.Next());
    differs = differs || x != c.Next();
  }
  EXPECT_TRUE(differs);
}

}  // namespace
}  // namespace tensord::bench
