// Hammers real schedulers (real clock, fake model) from many threads and checks that every
// request is answered exactly once and with exactly its own rows. Meant to run under
// ThreadSanitizer too (ctest --preset tsan -L tsan).
#include <atomic>
#include <map>
#include <thread>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scheduler/scheduler.h"
#include "scheduler/test_util/fake_model.h"
#include "scheduler/test_util/scheduler_test_util.h"

namespace tensord::scheduler {
namespace {

using std::chrono::microseconds;

constexpr int kThreads = 8;
constexpr int kPerThread = 120;

struct Expected {
  int64_t rows;
  int64_t width;
  float first;
};

// Request i of thread t: 1-3 rows, width 2 or 3 (two batch keys), distinct values.
Expected ExpectedFor(int thread, int i) {
  return {.rows = 1 + (thread + i) % 3,
          .width = 2 + (i % 2),
          .first = static_cast<float>(thread * 100000 + i * 10)};
}

// Checks one response against what its request asked for; returns false when wrong.
::testing::AssertionResult CheckResponse(const Expected& want, const InferResponse& response,
                                         int64_t max_batch_size) {
  if (response.outputs.size() != 2) return ::testing::AssertionFailure() << "outputs";
  const Tensor& y = response.outputs[0];
  const Tensor& batch = response.outputs[1];
  if (y.shape != Shape{want.rows, want.width}) {
    return ::testing::AssertionFailure() << "shape of y for " << response.id;
  }
  auto values = y.data.as<float>();
  for (int64_t k = 0; k < want.rows * want.width; ++k) {
    if (values[k] != want.first + static_cast<float>(k) + 1) {
      return ::testing::AssertionFailure() << "value " << k << " of " << response.id;
    }
  }
  if (max_batch_size == 0) return ::testing::AssertionSuccess();  // no batch dimension
  auto sizes = batch.data.as<int64_t>();
  if (static_cast<int64_t>(sizes.size()) != want.rows || sizes[0] < want.rows ||
      sizes[0] > max_batch_size) {
    return ::testing::AssertionFailure() << "batch size of " << response.id;
  }
  return ::testing::AssertionSuccess();
}

struct HammerResult {
  int ok = 0;
  int timed_out = 0;
  int cancelled = 0;
  int unavailable = 0;
  int other = 0;
  // (thread, index) of each successful response, in the order the callbacks ran.
  std::vector<std::pair<int, int>> ok_order;
};

// Sends kThreads x kPerThread requests at once; `tweak` may add parameters or a cancel flag.
HammerResult Hammer(Scheduler& scheduler, int64_t max_batch_size,
                    const std::function<void(int, InferRequest&)>& tweak,
                    const std::function<void()>& meanwhile = {}) {
  std::map<std::string, Expected> expected;
  std::map<std::string, std::pair<int, int>> origin;  // tag -> (thread, index)
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      const std::string tag = "t" + std::to_string(t) + "-" + std::to_string(i);
      expected[tag] = ExpectedFor(t, i);
      origin[tag] = {t, i};
    }
  }
  Collector results;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const Expected want = ExpectedFor(t, i);
        const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        auto request = MakeRequest(id, want.rows, want.width, want.first);
        if (tweak) tweak(t * kPerThread + i, *request);
        scheduler.Enqueue(std::move(request), results.Callback(id));
      }
    });
  }
  if (meanwhile) meanwhile();
  for (auto& thread : threads) thread.join();
  results.WaitFor(expected.size());

  HammerResult counts;
  std::map<std::string, int> answers;
  for (auto& [tag, result] : results.Take()) {
    ++answers[tag];
    if (result.ok()) {
      ++counts.ok;
      counts.ok_order.push_back(origin.at(tag));
      EXPECT_EQ((*result)->id, tag);
      EXPECT_TRUE(CheckResponse(expected.at(tag), **result, max_batch_size));
      continue;
    }
    switch (result.status().code()) {
      case absl::StatusCode::kDeadlineExceeded:
        ++counts.timed_out;
        break;
      case absl::StatusCode::kCancelled:
        ++counts.cancelled;
        break;
      case absl::StatusCode::kUnavailable:
        ++counts.unavailable;
        break;
      default:
        ++counts.other;
        ADD_FAILURE() << tag << ": " << result.status();
    }
  }
  EXPECT_EQ(answers.size(), expected.size());
  for (const auto& [tag, count] : answers) EXPECT_EQ(count, 1) << tag << " answered twice";
  return counts;
}

SchedulerPtr Create(runtime::Model& model, int instances) {
  absl::StatusOr<SchedulerPtr> scheduler =
      CreateScheduler(model, {.model_name = "fake", .instance_count = instances});
  EXPECT_TRUE(scheduler.ok()) << scheduler.status();
  return *std::move(scheduler);
}

TEST(SchedulerConcurrency, BatchedResponsesAreExactlyRight) {
  FakeModel model(FakeModel::Config(8, BatchingConfig{.max_queue_delay = microseconds(200)}));
  SchedulerPtr scheduler = Create(model, 2);
  HammerResult counts = Hammer(*scheduler, 8, {});
  EXPECT_EQ(counts.ok, kThreads * kPerThread);
  InferenceStats stats = scheduler->Stats();
  EXPECT_EQ(stats.success_count, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_LT(stats.execution_count, stats.success_count);  // batches did form
  uint64_t rows = 0;
  for (const auto& call : model.calls()) {
    EXPECT_LE(call.rows, 8);
    rows += static_cast<uint64_t>(call.rows);
  }
  EXPECT_EQ(stats.inference_count, rows);
}

TEST(SchedulerConcurrency, TimeoutsCancellationsAndPrioritiesUnderLoad) {
  FakeModel model(FakeModel::Config(
      4, BatchingConfig{.max_queue_delay = microseconds(50), .preserve_ordering = false}));
  SchedulerPtr scheduler = Create(model, 3);
  HammerResult counts = Hammer(*scheduler, 4, [](int n, InferRequest& request) {
    if (n % 7 == 0) request.parameters["timeout"] = int64_t{1};
    if (n % 5 == 0) request.parameters["priority"] = int64_t{1 + n % 3};
    if (n % 11 == 0) request.cancelled = std::make_shared<std::atomic<bool>>(true);
  });
  EXPECT_EQ(counts.other, 0);
  EXPECT_GT(counts.cancelled, 0);
  InferenceStats stats = scheduler->Stats();
  EXPECT_EQ(stats.success_count, static_cast<uint64_t>(counts.ok));
  EXPECT_EQ(stats.timeout_count, static_cast<uint64_t>(counts.timed_out));
  EXPECT_EQ(stats.cancelled_count, static_cast<uint64_t>(counts.cancelled));
}

TEST(SchedulerConcurrency, PreservedOrderAndABoundedQueueUnderLoad) {
  BatchingConfig batching{
      .max_queue_delay = microseconds(0), .preserve_ordering = true, .max_queue_size = 16};
  FakeModel model(FakeModel::Config(4, batching));
  SchedulerPtr scheduler = Create(model, 2);
  HammerResult counts = Hammer(*scheduler, 4, {});
  EXPECT_EQ(counts.other, 0);
  EXPECT_EQ(counts.ok + counts.unavailable, kThreads * kPerThread);
  EXPECT_EQ(scheduler->Stats().rejected_count, static_cast<uint64_t>(counts.unavailable));
  // Each thread enqueues its requests one after another, so with preserve_ordering the
  // responses of one thread's accepted requests come back in that order (requests refused
  // at Enqueue are answered at once and are not in this list). Two instances finish
  // batches out of order, so without the ordering this fails.
  EXPECT_GT(counts.ok, 0);
  std::map<int, int> last_index;  // thread -> index of its last response seen
  for (const auto& [thread, index] : counts.ok_order) {
    auto [previous, first] = last_index.try_emplace(thread, index);
    if (!first) {
      EXPECT_LT(previous->second, index) << "thread " << thread << ": response " << index
                                         << " came after response " << previous->second;
      previous->second = index;
    }
  }
}

TEST(SchedulerConcurrency, ShutdownDuringLoadAnswersEveryRequestOnce) {
  FakeModel model(FakeModel::Config(0, std::nullopt));
  SchedulerPtr scheduler = Create(model, 2);
  HammerResult counts = Hammer(*scheduler, 0, {}, [&] { scheduler->Shutdown(); });
  EXPECT_EQ(counts.other, 0);
  EXPECT_EQ(counts.ok + counts.unavailable, kThreads * kPerThread);
}

}  // namespace
}  // namespace tensord::scheduler
