#include "frontend/http/console/process_usage.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord::http {
namespace {

// A /proc/self/stat line whose comm holds a space and a ')', as a thread name may.
constexpr std::string_view kStat =
    "4242 (tensord (x) y) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 9 0 "
    "123400 1000000 2000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

TEST(ProcessUsage, ParsesProcFiles) {
  absl::StatusOr<ProcessUsage> usage = ParseProcessUsage({.stat = kStat,
                                                          .statm = "5000 2000 300 1 0 900 0\n",
                                                          .uptime = "1300.50 9000.00\n",
                                                          .ticks_per_second = 100,
                                                          .page_bytes = 4096});
  ASSERT_TRUE(usage.ok()) << usage.status();
  EXPECT_DOUBLE_EQ(usage->cpu_seconds, 3.0);      // (250 + 50) ticks
  EXPECT_DOUBLE_EQ(usage->uptime_seconds, 66.5);  // 1300.5 - 123400 / 100
  EXPECT_EQ(usage->rss_bytes, 2000u * 4096u);
}

TEST(ProcessUsage, MalformedFilesNameTheFile) {
  absl::StatusOr<ProcessUsage> no_paren =
      ParseProcessUsage({.stat = "4242 tensord S 1", .statm = "1 2", .uptime = "1.0 2.0"});
  EXPECT_EQ(no_paren.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(no_paren.status().message()), ::testing::HasSubstr("/proc/self/stat"));
  absl::StatusOr<ProcessUsage> statm =
      ParseProcessUsage({.stat = kStat, .statm = "1", .uptime = "1.0 2.0"});
  EXPECT_THAT(std::string(statm.status().message()), ::testing::HasSubstr("/proc/self/statm"));
  absl::StatusOr<ProcessUsage> uptime =
      ParseProcessUsage({.stat = kStat, .statm = "1 2", .uptime = "soon"});
  EXPECT_THAT(std::string(uptime.status().message()), ::testing::HasSubstr("/proc/uptime"));
}

TEST(ProcessUsage, ReadsThisProcess) {
  absl::StatusOr<ProcessUsage> usage = ReadProcessUsage();
  ASSERT_TRUE(usage.ok()) << usage.status();
  EXPECT_GT(usage->rss_bytes, 0u);
  EXPECT_GE(usage->uptime_seconds, 0.0);
  EXPECT_GE(usage->usable_cores, 1);
}

}  // namespace
}  // namespace tensord::http
