#include "tools/bench/stability.h"

#include <vector>

#include "gtest/gtest.h"

namespace tensord::bench {
namespace {

TEST(StabilityTest, ThreeWindowsWithinTenPercentAreStable) {
  std::vector<WindowValues> w = {{1000, 200}, {1050, 210}, {980, 195}};
  EXPECT_TRUE(IsStable(w, {}));
}

TEST(StabilityTest, NeedsThreeWindows) {
  std::vector<WindowValues> w = {{1000, 200}, {1000, 200}};
  EXPECT_FALSE(IsStable(w, {}));
}

TEST(StabilityTest, ThroughputOutsideToleranceIsUnstable) {
  std::vector<WindowValues> w = {{1000, 200}, {1300, 200}, {1000, 200}};
  EXPECT_FALSE(IsStable(w, {}));
}

TEST(StabilityTest, LatencyOutsideToleranceIsUnstable) {
  std::vector<WindowValues> w = {{1000, 200}, {1000, 260}, {1000, 200}};
  EXPECT_FALSE(IsStable(w, {}));
}

TEST(StabilityTest, OnlyTheLastWindowsCount) {
  std::vector<WindowValues> w = {{100, 900}, {1000, 200}, {1010, 205}, {995, 198}};
  EXPECT_TRUE(IsStable(w, {}));
}

TEST(StabilityTest, ZeroThroughputIsNeverStable) {
  std::vector<WindowValues> w = {{0, 0}, {0, 0}, {0, 0}};
  EXPECT_FALSE(IsStable(w, {}));
}

TEST(StabilityTest, ToleranceAndWindowCountAreConfigurable) {
  std::vector<WindowValues> w = {{1000, 200}, {1150, 200}, {1000, 200}};
  EXPECT_FALSE(IsStable(w, {.tolerance = 0.05, .windows = 3}));
  EXPECT_TRUE(IsStable(w, {.tolerance = 0.10, .windows = 3}));
  EXPECT_TRUE(IsStable(w, {.tolerance = 0.05, .windows = 1}));
}

}  // namespace
}  // namespace tensord::bench
