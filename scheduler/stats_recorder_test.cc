#include "scheduler/stats_recorder.h"

#include "gtest/gtest.h"

namespace tensord::scheduler {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST(StatsRecorder, HistogramsPerRequestQueueAndPerBatchCompute) {
  StatsRecorder recorder;
  recorder.RecordBatch({.rows = 2,
                        .requests = 2,
                        .succeeded = true,
                        .queue = microseconds(50) + milliseconds(3),
                        .queue_each = {microseconds(50), milliseconds(3)},
                        .compute_input = microseconds(100),
                        .compute_infer = microseconds(300),
                        .compute_output = microseconds(100)});
  recorder.RecordBatch({.rows = 1,
                        .requests = 1,
                        .succeeded = false,
                        .queue_each = {milliseconds(20)},
                        .compute_infer = milliseconds(20)});
  const InferenceStats stats = recorder.Snapshot(0, 0, 1);

  EXPECT_EQ(stats.queue_histogram.count, 3u);
  EXPECT_EQ(stats.queue_histogram.counts[0], 1u);  // 50 us <= 100 us
  EXPECT_EQ(stats.queue_histogram.counts[5], 1u);  // 3 ms <= 5 ms
  EXPECT_EQ(stats.queue_histogram.counts[7], 1u);  // 20 ms <= 25 ms
  EXPECT_EQ(stats.queue_histogram.sum_ns, 23'050'000u);

  EXPECT_EQ(stats.compute_histogram.count, 2u);      // failed batches ran too
  EXPECT_EQ(stats.compute_histogram.counts[2], 1u);  // 500 us <= 500 us
  EXPECT_EQ(stats.compute_histogram.counts[7], 1u);
  EXPECT_EQ(stats.success_count, 2u);
  EXPECT_EQ(stats.failure_count, 1u);
}

TEST(DurationHistogram, AboveEveryBoundGoesToTheLastCount) {
  DurationHistogram histogram;
  histogram.Observe(kDurationBucketsNs.back() + 1);
  EXPECT_EQ(histogram.counts.back(), 1u);
  histogram.Observe(kDurationBucketsNs.back());
  EXPECT_EQ(histogram.counts[kDurationBucketsNs.size() - 1], 1u);
}

// The last batch's time is kept on the steady clock and read out as wall-clock time: the
// same distance before the snapshot on both clocks. No batch yet: no last inference.
TEST(StatsRecorder, LastInferenceIsTheLastSuccessfulBatchOnTheWallClock) {
  StatsRecorder recorder;
  const std::chrono::steady_clock::time_point t0{std::chrono::seconds(1000)};
  const std::chrono::system_clock::time_point wall{std::chrono::seconds(1'800'000'000)};
  EXPECT_EQ(recorder.Snapshot(0, 0, 1, t0, wall).last_inference,
            std::chrono::system_clock::time_point{});
  recorder.RecordBatch({.rows = 1, .requests = 1, .succeeded = true, .finished = t0});
  recorder.RecordBatch({.rows = 1, .requests = 1, .succeeded = false,
                        .finished = t0 + std::chrono::seconds(1)});  // failed: not counted
  const InferenceStats stats =
      recorder.Snapshot(0, 0, 1, t0 + std::chrono::seconds(2), wall);
  EXPECT_EQ(stats.last_inference, wall - std::chrono::seconds(2));
}

}  // namespace
}  // namespace tensord::scheduler
