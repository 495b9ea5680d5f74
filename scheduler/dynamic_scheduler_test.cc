// The threaded scheduler, driven by a fake clock and a fake model: batching, splitting,
// queue policy, cancellation, ordering and statistics, with no sleeps.
#include "scheduler/dynamic_scheduler.h"

#include <limits>
#include <thread>

#include "core/status_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scheduler/test_util/fake_clock.h"
#include "scheduler/test_util/fake_model.h"
#include "scheduler/test_util/scheduler_test_util.h"

namespace tensord::scheduler {
namespace {

using std::chrono::microseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class DynamicSchedulerTest : public ::testing::Test {
 protected:
  // Most tests drive the worker threads (inline_execution_limit 0: no run to completion),
  // so that the test thread never executes a held batch itself; the RunToCompletion tests
  // below set a limit.
  void Start(ModelConfig config, int instances = 1,
             std::chrono::nanoseconds inline_limit = std::chrono::nanoseconds(0)) {
    model_ = std::make_unique<FakeModel>(std::move(config));
    absl::StatusOr<SchedulerPtr> scheduler =
        CreateScheduler(*model_, {.model_name = "fake",
                                  .model_version = "3",
                                  .instance_count = instances,
                                  .clock = &clock_,
                                  .inline_execution_limit = inline_limit});
    ASSERT_TRUE(scheduler.ok()) << scheduler.status();
    scheduler_ = *std::move(scheduler);
  }
  void Enqueue(std::unique_ptr<InferRequest> request) {
    const std::string id = request->id;
    scheduler_->Enqueue(std::move(request), results_.Callback(id));
  }
  // Sends `id` and lets it wait out a `delay_us` delay, once the worker has decided to wait
  // (the adaptive policy's first guess is a full batch; a wait that ends with nobody else
  // lowers it to what was there).
  void EnqueueAndWaitOutTheDelay(const std::string& id, int64_t delay_us) {
    const Clock::TimePoint due = clock_.Now() + microseconds(delay_us);
    Enqueue(MakeRequest(id, 1, 2));
    ASSERT_TRUE(clock_.AwaitWaiter(due));
    clock_.Advance(microseconds(delay_us));
  }
  // Makes every execution wait at the gate.
  void HoldExecutions() {
    model_->set_on_execute([this](const FakeModel::Call&) { gate_.Pass(); });
  }

  FakeClock clock_;
  std::unique_ptr<FakeModel> model_;
  SchedulerPtr scheduler_;
  Collector results_;
  Gate gate_;
};

BatchingConfig Delay(int64_t us) { return {.max_queue_delay = microseconds(us)}; }

std::vector<float> Floats(const Tensor& tensor) {
  auto span = tensor.data.as<float>();
  return {span.begin(), span.end()};
}
std::vector<int64_t> Ints(const Tensor& tensor) {
  auto span = tensor.data.as<int64_t>();
  return {span.begin(), span.end()};
}
std::vector<std::string> Tags(const std::vector<Collector::Result>& results) {
  std::vector<std::string> tags;
  for (const auto& result : results) tags.push_back(result.tag);
  return tags;
}

TEST_F(DynamicSchedulerTest, MergesRequestsIntoOneBatchAndSplitsResultsExactly) {
  Start(FakeModel::Config(4, Delay(1000)));
  Enqueue(MakeRequest("r1", 1, 3, 0));
  Enqueue(MakeRequest("r2", 2, 3, 100));
  Enqueue(MakeRequest("r3", 1, 3, 200));  // 4 rows: full, goes before the delay
  results_.WaitFor(3);
  ASSERT_EQ(model_->calls().size(), 1u);
  EXPECT_EQ(model_->calls()[0].rows, 4);

  std::vector<Collector::Result> results = results_.Take();
  ASSERT_EQ(results.size(), 3u);
  for (auto& [tag, result] : results) {
    ASSERT_TRUE(result.ok()) << result.status();
    const InferResponse& response = **result;
    EXPECT_EQ(response.id, tag);
    EXPECT_EQ(response.model_name, "fake");
    EXPECT_EQ(response.model_version, "3");
    ASSERT_EQ(response.outputs.size(), 2u);
    EXPECT_EQ(response.outputs[0].name, "y");
    EXPECT_EQ(response.outputs[1].name, "batch");
    if (tag == "r2") {
      EXPECT_THAT(response.outputs[0].shape, ElementsAre(2, 3));
      EXPECT_THAT(Floats(response.outputs[0]), ElementsAre(101, 102, 103, 104, 105, 106));
      EXPECT_THAT(Ints(response.outputs[1]), ElementsAre(4, 4));
    } else {
      const float first = tag == "r1" ? 1 : 201;
      EXPECT_THAT(response.outputs[0].shape, ElementsAre(1, 3));
      EXPECT_THAT(Floats(response.outputs[0]), ElementsAre(first, first + 1, first + 2));
      EXPECT_THAT(Ints(response.outputs[1]), ElementsAre(4));
    }
  }
}

TEST_F(DynamicSchedulerTest, DispatchesWhenTheOldestRequestHasWaitedTheDelay) {
  Start(FakeModel::Config(8, Delay(1000)));
  Enqueue(MakeRequest("r1", 1, 2));
  clock_.Advance(microseconds(400));
  Enqueue(MakeRequest("r2", 1, 2));
  clock_.Advance(microseconds(599));
  EXPECT_TRUE(model_->calls().empty());  // the fake clock has not reached r1's delay
  clock_.Advance(microseconds(1));
  results_.WaitFor(2);
  ASSERT_EQ(model_->calls().size(), 1u);
  EXPECT_EQ(model_->calls()[0].rows, 2);
}

TEST_F(DynamicSchedulerTest, ZeroDelayRunsALoneRequestAtOnce) {
  Start(FakeModel::Config(8, Delay(0)));
  Enqueue(MakeRequest("r1", 1, 2));
  results_.WaitFor(1);  // no clock movement needed
  EXPECT_EQ(model_->calls().size(), 1u);
}

TEST_F(DynamicSchedulerTest, OtherShapesAndOutputSelectionsGetTheirOwnBatches) {
  Start(FakeModel::Config(8, Delay(0)));
  HoldExecutions();
  Enqueue(MakeRequest("blocker", 1, 3));
  gate_.WaitEntered(1);
  Enqueue(MakeRequest("a1", 1, 3, 10));
  Enqueue(MakeRequest("b1", 1, 4, 20));
  auto only_batch = MakeRequest("a2", 1, 3, 30);
  only_batch->outputs = {{.name = "batch"}};
  Enqueue(std::move(only_batch));
  Enqueue(MakeRequest("a3", 2, 3, 40));
  gate_.Open();
  results_.WaitFor(5);

  std::vector<FakeModel::Call> calls = model_->calls();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[1].rows, 3);  // a1 + a3
  EXPECT_EQ(calls[1].x.size(), 9u);
  EXPECT_EQ(calls[2].x.size(), 4u);                     // b1
  EXPECT_THAT(calls[3].outputs, ElementsAre("batch"));  // a2

  for (auto& [tag, result] : results_.Take()) {
    ASSERT_TRUE(result.ok()) << tag << ": " << result.status();
    const InferResponse& response = **result;
    EXPECT_EQ(response.id, tag);
    if (tag == "a2") {
      ASSERT_EQ(response.outputs.size(), 1u);
      EXPECT_EQ(response.outputs[0].name, "batch");
      EXPECT_THAT(Ints(response.outputs[0]), ElementsAre(1));
    } else if (tag == "a3") {
      EXPECT_THAT(Floats(response.outputs[0]), ElementsAre(41, 42, 43, 44, 45, 46));
      EXPECT_THAT(Ints(response.outputs[1]), ElementsAre(3, 3));
    } else if (tag == "b1") {
      EXPECT_THAT(Floats(response.outputs[0]), ElementsAre(21, 22, 23, 24));
    }
  }
}

TEST_F(DynamicSchedulerTest, TimedOutRequestIsAnsweredWhileBusyAndNeverExecuted) {
  Start(FakeModel::Config(8, Delay(0)));
  HoldExecutions();
  Enqueue(MakeRequest("blocker", 1, 2));
  gate_.WaitEntered(1);
  auto hurried = MakeRequest("hurried", 1, 2);
  hurried->parameters["timeout"] = int64_t{100};
  Enqueue(std::move(hurried));
  clock_.Advance(microseconds(100));
  results_.WaitFor(1);  // answered by the timer while the only instance is still busy
  std::vector<Collector::Result> results = results_.Take();
  EXPECT_EQ(results[0].tag, "hurried");
  EXPECT_EQ(results[0].result.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(Message(results[0].result.status()),
              HasSubstr("request 'hurried' timed out after 100 us in the queue of model 'fake'"));
  gate_.Open();
  results_.WaitFor(1);
  EXPECT_EQ(model_->calls().size(), 1u);
  InferenceStats stats = scheduler_->Stats();
  EXPECT_EQ(stats.timeout_count, 1u);
  EXPECT_EQ(stats.failure_count, 1u);
  EXPECT_EQ(stats.success_count, 1u);
}

TEST_F(DynamicSchedulerTest, TheModelsDefaultTimeoutApplies) {
  BatchingConfig batching = Delay(5000);
  batching.default_timeout = microseconds(300);
  Start(FakeModel::Config(8, batching));
  Enqueue(MakeRequest("r", 1, 2));
  clock_.Advance(microseconds(300));
  results_.WaitFor(1);
  EXPECT_EQ(results_.Take()[0].result.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(model_->calls().empty());
}

TEST_F(DynamicSchedulerTest, AFullQueueAnswersUnavailableAtOnce) {
  BatchingConfig batching = Delay(0);
  batching.max_queue_size = 1;
  Start(FakeModel::Config(8, batching));
  HoldExecutions();
  Enqueue(MakeRequest("running", 1, 2));
  gate_.WaitEntered(1);
  Enqueue(MakeRequest("queued", 1, 2));
  Enqueue(MakeRequest("refused", 1, 2));
  results_.WaitFor(1);
  std::vector<Collector::Result> refused = results_.Take();
  EXPECT_EQ(refused[0].tag, "refused");
  EXPECT_EQ(refused[0].result.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(Message(refused[0].result.status()),
              HasSubstr("the queue of model 'fake' is full (max_queue_size 1)"));
  EXPECT_EQ(scheduler_->Stats().pending_requests, 1u);
  gate_.Open();
  results_.WaitFor(2);
  InferenceStats stats = scheduler_->Stats();
  EXPECT_EQ(stats.rejected_count, 1u);
  EXPECT_EQ(stats.success_count, 2u);
}

TEST_F(DynamicSchedulerTest, ACancelledRequestIsDroppedBeforeExecution) {
  Start(FakeModel::Config(8, Delay(0)));
  HoldExecutions();
  Enqueue(MakeRequest("running", 1, 2));
  gate_.WaitEntered(1);
  auto gone = MakeRequest("gone", 1, 2);
  auto flag = std::make_shared<std::atomic<bool>>(false);
  gone->cancelled = flag;
  Enqueue(std::move(gone));
  flag->store(true);
  gate_.Open();
  results_.WaitFor(2);
  for (auto& [tag, result] : results_.Take()) {
    if (tag != "gone") continue;
    EXPECT_EQ(result.status().code(), absl::StatusCode::kCancelled);
    EXPECT_THAT(Message(result.status()),
                HasSubstr("request 'gone' was cancelled before model 'fake' executed it"));
  }
  EXPECT_EQ(model_->calls().size(), 1u);
  EXPECT_EQ(scheduler_->Stats().cancelled_count, 1u);
}

TEST_F(DynamicSchedulerTest, NoBatchingWithoutABatchDimension) {
  Start(FakeModel::Config(0, Delay(0)));
  HoldExecutions();
  Enqueue(MakeRequest("first", 1, 3));
  gate_.WaitEntered(1);
  Enqueue(MakeRequest("a", 1, 3));
  Enqueue(MakeRequest("b", 1, 3));
  gate_.Open();
  results_.WaitFor(3);
  EXPECT_EQ(model_->calls().size(), 3u);
}

TEST_F(DynamicSchedulerTest, NoBatchingWithoutABatchingConfig) {
  Start(FakeModel::Config(8, std::nullopt));
  HoldExecutions();
  Enqueue(MakeRequest("first", 2, 3));
  gate_.WaitEntered(1);
  Enqueue(MakeRequest("a", 2, 3));
  Enqueue(MakeRequest("b", 2, 3));
  gate_.Open();
  results_.WaitFor(3);
  std::vector<FakeModel::Call> calls = model_->calls();
  ASSERT_EQ(calls.size(), 3u);
  for (const auto& call : calls) EXPECT_EQ(call.rows, 2);
  EXPECT_EQ(scheduler_->Stats().inference_count, 6u);
}

TEST_F(DynamicSchedulerTest, InstancesExecuteInParallel) {
  Start(FakeModel::Config(0, std::nullopt), /*instances=*/2);
  HoldExecutions();
  Enqueue(MakeRequest("a", 1, 2));
  Enqueue(MakeRequest("b", 1, 2));
  gate_.WaitEntered(2);  // both run at once
  InferenceStats stats = scheduler_->Stats();
  EXPECT_EQ(stats.busy_instances, 2u);
  EXPECT_EQ(stats.instance_count, 2u);
  gate_.Open();
  results_.WaitFor(2);
}

TEST_F(DynamicSchedulerTest, PreserveOrderingReleasesResponsesInArrivalOrder) {
  BatchingConfig batching = Delay(0);
  batching.preserve_ordering = true;
  Start(FakeModel::Config(8, batching), /*instances=*/2);
  // Only the first request is held: the second finishes first on the other instance.
  model_->set_on_execute([this](const FakeModel::Call& call) {
    if (call.x[0] == 0) gate_.Pass();
  });
  Enqueue(MakeRequest("first", 1, 2, 0));
  gate_.WaitEntered(1);
  Enqueue(MakeRequest("second", 1, 3, 100));
  for (int i = 0; i < 10000 && model_->calls().size() < 2; ++i) std::this_thread::yield();
  EXPECT_EQ(results_.size(), 0u);
  gate_.Open();
  results_.WaitFor(2);
  EXPECT_THAT(Tags(results_.Take()), ElementsAre("first", "second"));
}

// Issue 10: a timeout of INT64_MAX microseconds overflowed the deadline (signed overflow; in
// release it wrapped into the past and the request was answered "timed out" at once). A
// timeout too long for the clock is no timeout.
TEST_F(DynamicSchedulerTest, AHugeTimeoutSaturatesInsteadOfExpiringAtOnce) {
  BatchingConfig batching = Delay(0);
  batching.default_timeout = microseconds::max();  // the model's default, as huge
  Start(FakeModel::Config(8, batching));
  HoldExecutions();
  Enqueue(MakeRequest("blocker", 1, 2));
  gate_.WaitEntered(1);
  auto patient = MakeRequest("patient", 1, 2);
  patient->parameters["timeout"] = std::numeric_limits<int64_t>::max();
  Enqueue(std::move(patient));
  Enqueue(MakeRequest("default", 1, 2));
  clock_.Advance(std::chrono::hours(24 * 365));
  gate_.Open();
  results_.WaitFor(3);
  std::vector<Collector::Result> results = results_.Take();
  ASSERT_EQ(results.size(), 3u);
  for (const Collector::Result& result : results) {
    EXPECT_TRUE(result.result.ok()) << result.tag << ": " << result.result.status();
  }
  EXPECT_EQ(scheduler_->Stats().timeout_count, 0u);
}

TEST_F(DynamicSchedulerTest, UrgentRequestsOvertakeDefaultOnes) {
  Start(FakeModel::Config(8, Delay(0)));
  HoldExecutions();
  Enqueue(MakeRequest("blocker", 1, 2));
  gate_.WaitEntered(1);
  Enqueue(MakeRequest("normal", 1, 3));
  auto urgent = MakeRequest("urgent", 1, 4);
  urgent->parameters["priority"] = int64_t{1};
  Enqueue(std::move(urgent));
  gate_.Open();
  results_.WaitFor(3);
  EXPECT_THAT(Tags(results_.Take()), ElementsAre("blocker", "urgent", "normal"));
}

TEST_F(DynamicSchedulerTest, BadSchedulingParametersAreInvalidArgument) {
  Start(FakeModel::Config(8, Delay(0)));
  auto request = MakeRequest("r", 1, 2);
  request->parameters["timeout"] = std::string("soon");
  Enqueue(std::move(request));
  request = MakeRequest("p", 1, 2);
  request->parameters["priority"] = int64_t{-1};
  Enqueue(std::move(request));
  results_.WaitFor(2);
  std::vector<Collector::Result> results = results_.Take();
  EXPECT_EQ(results[0].result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      Message(results[0].result.status()),
      HasSubstr("request parameter 'timeout' must be a non-negative integer (microseconds)"));
  EXPECT_EQ(results[1].result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(results[1].result.status()),
              HasSubstr("request parameter 'priority' must be a non-negative integer"));
}

TEST_F(DynamicSchedulerTest, ARuntimeErrorFailsEveryRequestOfTheBatch) {
  Start(FakeModel::Config(2, Delay(1000)));
  model_->set_failure(absl::InvalidArgumentError("input 'x' is bad"));
  Enqueue(MakeRequest("a", 1, 2));
  Enqueue(MakeRequest("b", 1, 2));
  results_.WaitFor(2);
  for (auto& [tag, result] : results_.Take()) {
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << tag;
    EXPECT_THAT(Message(result.status()), HasSubstr("input 'x' is bad"));
  }
  InferenceStats stats = scheduler_->Stats();
  EXPECT_EQ(stats.failure_count, 2u);
  EXPECT_EQ(stats.execution_count, 0u);
}

TEST_F(DynamicSchedulerTest, StatisticsCountRequestsRowsBatchesAndTimes) {
  Start(FakeModel::Config(4, Delay(1000)));
  model_->set_on_execute([this](const FakeModel::Call&) { clock_.Advance(microseconds(10)); });
  Enqueue(MakeRequest("r1", 1, 2));
  clock_.Advance(microseconds(5));
  Enqueue(MakeRequest("r2", 2, 2));
  clock_.Advance(microseconds(5));
  Enqueue(MakeRequest("r3", 1, 2));  // full
  results_.WaitFor(3);
  InferenceStats stats = scheduler_->Stats();
  EXPECT_EQ(stats.success_count, 3u);
  EXPECT_EQ(stats.failure_count, 0u);
  EXPECT_EQ(stats.inference_count, 4u);
  EXPECT_EQ(stats.execution_count, 1u);
  EXPECT_EQ(stats.queue_ns, 15'000u);              // waited 10 + 5 + 0 us
  EXPECT_EQ(stats.compute_infer_ns, 3 * 10'000u);  // per request, as Triton counts
  EXPECT_EQ(stats.success_ns, 45'000u);            // (10 + 10) + (5 + 10) + (0 + 10) us
  ASSERT_EQ(stats.batch_stats.count(4), 1u);
  EXPECT_EQ(stats.batch_stats[4].count, 1u);
  EXPECT_EQ(stats.batch_stats[4].compute_infer_ns, 10'000u);
  EXPECT_EQ(stats.pending_requests, 0u);
  EXPECT_NE(stats.last_inference, std::chrono::system_clock::time_point{});
}

TEST_F(DynamicSchedulerTest, ShutdownRunsQueuedRequestsWithoutWaitingForTheDelay) {
  Start(FakeModel::Config(8, Delay(1'000'000)));
  Enqueue(MakeRequest("queued", 1, 2));
  scheduler_->Shutdown();
  EXPECT_EQ(results_.size(), 1u);
  Enqueue(MakeRequest("late", 1, 2));
  std::vector<Collector::Result> results = results_.Take();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].result.ok());
  EXPECT_EQ(results[1].result.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(Message(results[1].result.status()), HasSubstr("model 'fake' is shutting down"));
  scheduler_->Shutdown();  // idempotent
}

// A version that stops serving (unload, reload, shutdown) drains: its queued request runs
// at once, without the clock moving, and later ones too; the scheduler still serves them.
TEST_F(DynamicSchedulerTest, DrainRunsQueuedRequestsWithoutWaitingForTheDelay) {
  Start(FakeModel::Config(8, Delay(1'000'000)));  // a first request waits the delay
  Enqueue(MakeRequest("queued", 1, 2));
  ASSERT_TRUE(clock_.AwaitWaiter(clock_.Now() + std::chrono::microseconds(1'000'000)));
  EXPECT_EQ(results_.size(), 0u);  // waiting for batch mates
  scheduler_->Drain();
  results_.WaitFor(1);
  Enqueue(MakeRequest("after", 1, 2));
  results_.WaitFor(2);
  std::vector<Collector::Result> results = results_.Take();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].result.ok()) << results[0].result.status();
  EXPECT_TRUE(results[1].result.ok()) << results[1].result.status();
  scheduler_->Drain();  // idempotent
}

// Adaptive batching (the default policy), with the fake clock: nothing moves time unless
// the test does, so a request that completes without Advance() did not wait.

ModelConfig WithPolicy(ModelConfig config, std::string policy) {
  config.parameters["batching_policy"] = std::move(policy);
  return config;
}

TEST_F(DynamicSchedulerTest, AdaptiveBatchingRunsOneRequestAtATimeWithoutWaiting) {
  Start(FakeModel::Config(8, Delay(1000)));
  EnqueueAndWaitOutTheDelay("first", 1000);  // until traffic is seen, the delay applies
  results_.WaitFor(1);
  for (int i = 2; i <= 4; ++i) {
    Enqueue(MakeRequest("next", 1, 2));
    results_.WaitFor(i);  // no clock movement: it ran at once
  }
  EXPECT_EQ(model_->calls().size(), 4u);
}

TEST_F(DynamicSchedulerTest, AdaptiveBatchingFillsBatchesWhenTheClientsComeBack) {
  // Four clients in a closed loop against one instance.
  Start(FakeModel::Config(8, Delay(1000)));
  HoldExecutions();
  EnqueueAndWaitOutTheDelay("c0", 1000);
  gate_.WaitEntered(1);
  // While the instance is busy with c0, the three other clients send theirs.
  Enqueue(MakeRequest("c1", 1, 2));
  Enqueue(MakeRequest("c2", 1, 2));
  Enqueue(MakeRequest("c3", 1, 2));
  gate_.Open();
  results_.WaitFor(1);
  // c0's client sends again: all four go as one batch, with no clock movement.
  Enqueue(MakeRequest("c0-again", 1, 2));
  results_.WaitFor(5);
  std::vector<FakeModel::Call> calls = model_->calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].rows, 4);
}

TEST_F(DynamicSchedulerTest, AdaptiveBatchingNeverWaitsLongerThanTheDelay) {
  Start(FakeModel::Config(8, Delay(1000)));
  HoldExecutions();
  EnqueueAndWaitOutTheDelay("c0", 1000);
  gate_.WaitEntered(1);
  Enqueue(MakeRequest("c1", 1, 2));
  gate_.Open();
  results_.WaitFor(1);
  // c0's client does not come back: c1 waits for it only until its delay is over.
  clock_.Advance(microseconds(999));
  EXPECT_EQ(model_->calls().size(), 1u);
  clock_.Advance(microseconds(1));
  results_.WaitFor(2);
  EXPECT_EQ(model_->calls().size(), 2u);
}

TEST_F(DynamicSchedulerTest, WaitPolicyHoldsEveryLoneRequestForTheDelay) {
  Start(WithPolicy(FakeModel::Config(8, Delay(1000)), "wait"));
  for (int i = 1; i <= 3; ++i) {
    Enqueue(MakeRequest("lone", 1, 2));
    clock_.Advance(microseconds(999));
    EXPECT_EQ(model_->calls().size(), static_cast<size_t>(i - 1));
    clock_.Advance(microseconds(1));
    results_.WaitFor(i);
  }
}

TEST_F(DynamicSchedulerTest, ARequestJoiningAWaitingBatchWakesNoWorker) {
  Start(WithPolicy(FakeModel::Config(8, Delay(1000)), "wait"));
  const Clock::TimePoint due = clock_.Now() + microseconds(1000);
  Enqueue(MakeRequest("r1", 1, 2));
  ASSERT_TRUE(clock_.AwaitWaiter(due));
  const size_t waits = clock_.waits_started(due);
  Enqueue(MakeRequest("r2", 1, 2));
  Enqueue(MakeRequest("r3", 1, 2));
  // A worker woken for nothing looks again and waits anew; real time gives it ample time.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(clock_.waits_started(due), waits);
  clock_.Advance(microseconds(1000));
  results_.WaitFor(3);
  ASSERT_EQ(model_->calls().size(), 1u);
  EXPECT_EQ(model_->calls()[0].rows, 3);
}

TEST_F(DynamicSchedulerTest, ARequestThatCompletesABatchHandsItToAWorker) {
  // Two instances: the batch the third request completes goes to a worker while the
  // caller returns; the next request's batch waits for its own delay.
  Start(WithPolicy(FakeModel::Config(3, Delay(1000)), "wait"), 2);
  HoldExecutions();
  Enqueue(MakeRequest("r1", 1, 2));
  Enqueue(MakeRequest("r2", 1, 2));
  Enqueue(MakeRequest("r3", 1, 2));  // full: formed here, executed by a worker
  gate_.WaitEntered(1);
  const Clock::TimePoint due = clock_.Now() + microseconds(1000);
  Enqueue(MakeRequest("r4", 1, 2));
  ASSERT_TRUE(clock_.AwaitWaiter(due));
  gate_.Open();
  results_.WaitFor(3);
  clock_.Advance(microseconds(1000));
  results_.WaitFor(4);
  std::vector<FakeModel::Call> calls = model_->calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].rows, 3);
  EXPECT_EQ(calls[1].rows, 1);
}

TEST(DynamicSchedulerCreate, AnUnknownBatchingPolicyFailsTheScheduler) {
  FakeModel model(WithPolicy(FakeModel::Config(8, Delay(1000)), "never"));
  absl::StatusOr<SchedulerPtr> scheduler = CreateScheduler(model, {.model_name = "fake"});
  EXPECT_EQ(scheduler.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(scheduler.status()),
              HasSubstr("parameter 'batching_policy' must be 'adaptive' or 'wait', got 'never'"));
}

// Run to completion: once a model's batches are measured fast, a request that can run at
// once executes on the thread that enqueued it and is answered before Enqueue returns.
class RunToCompletionTest : public DynamicSchedulerTest {
 protected:
  // Records the thread of every execution; each takes `took` on the fake clock.
  void StartRecording(std::chrono::nanoseconds limit, Clock::Duration took, int instances = 1) {
    Start(FakeModel::Config(0, std::nullopt), instances, limit);
    model_->set_on_execute([this, took](const FakeModel::Call&) {
      {
        std::lock_guard lock(threads_mutex_);
        threads_.push_back(std::this_thread::get_id());
      }
      if (took.count() > 0) clock_.Advance(took);
    });
  }
  // HoldExecutions, still recording the threads.
  void HoldAndRecord() {
    model_->set_on_execute([this](const FakeModel::Call&) {
      {
        std::lock_guard lock(threads_mutex_);
        threads_.push_back(std::this_thread::get_id());
      }
      gate_.Pass();
    });
  }
  std::thread::id ThreadOf(size_t call) {
    std::lock_guard lock(threads_mutex_);
    return threads_.at(call);
  }

  std::mutex threads_mutex_;
  std::vector<std::thread::id> threads_;
};

TEST_F(RunToCompletionTest, AFastModelRunsOnTheCallersThreadAndAnswersBeforeEnqueueReturns) {
  StartRecording(microseconds(100), microseconds(20));
  // The first batch has no measurement yet: a worker executes it.
  Enqueue(MakeRequest("first", 1, 2));
  results_.WaitFor(1);
  EXPECT_NE(ThreadOf(0), std::this_thread::get_id());
  Enqueue(MakeRequest("second", 1, 2));
  EXPECT_EQ(results_.size(), 2u);  // answered inside Enqueue, no waiting
  EXPECT_EQ(ThreadOf(1), std::this_thread::get_id());
  std::vector<Collector::Result> results = results_.Take();
  ASSERT_TRUE(results[1].result.ok()) << results[1].result.status();
  EXPECT_EQ((*results[1].result)->id, "second");
  // Statistics count it like any other inference.
  const InferenceStats stats = scheduler_->Stats();
  EXPECT_EQ(stats.success_count, 2u);
  EXPECT_EQ(stats.execution_count, 2u);
}

TEST_F(RunToCompletionTest, OnePreemptedRunDoesNotSendTheNextRequestsToTheWorkers) {
  // A 20 us model whose third run took 10 ms (the kernel ran something else meanwhile):
  // one sample counts for at most twice the limit, so the average stays under it and the
  // next requests still run on the caller's thread.
  StartRecording(microseconds(100), microseconds(20));
  Enqueue(MakeRequest("measured", 1, 2));  // on a worker: no measurement yet
  results_.WaitFor(1);
  Enqueue(MakeRequest("inline", 1, 2));
  ASSERT_EQ(results_.size(), 2u);
  model_->set_on_execute([this](const FakeModel::Call&) {
    {
      std::lock_guard lock(threads_mutex_);
      threads_.push_back(std::this_thread::get_id());
    }
    clock_.Advance(std::chrono::milliseconds(10));
  });
  Enqueue(MakeRequest("preempted", 1, 2));
  ASSERT_EQ(results_.size(), 3u);
  model_->set_on_execute([this](const FakeModel::Call&) {
    std::lock_guard lock(threads_mutex_);
    threads_.push_back(std::this_thread::get_id());
  });
  Enqueue(MakeRequest("after", 1, 2));
  EXPECT_EQ(results_.size(), 4u);  // answered inside Enqueue
  EXPECT_EQ(ThreadOf(3), std::this_thread::get_id());
}

TEST_F(RunToCompletionTest, AModelSlowerThanTheLimitStillLeavesTheCallersThread) {
  // Every run at 150 us against a 100 us limit: capped samples (200 us) still average over
  // the limit, so the model goes on being handed to the workers.
  StartRecording(microseconds(100), microseconds(150));
  for (int i = 0; i < 12; ++i) {
    Enqueue(MakeRequest("r" + std::to_string(i), 1, 2));
    results_.WaitFor(i + 1);
    EXPECT_NE(ThreadOf(i), std::this_thread::get_id()) << "request " << i;
  }
}

TEST_F(RunToCompletionTest, ASlowModelKeepsTheHandOffToTheWorkers) {
  StartRecording(microseconds(100), microseconds(500));
  for (int i = 0; i < 3; ++i) {
    Enqueue(MakeRequest("r" + std::to_string(i), 1, 2));
    results_.WaitFor(i + 1);
    EXPECT_NE(ThreadOf(i), std::this_thread::get_id()) << "request " << i;
  }
}

TEST_F(RunToCompletionTest, ACallerThatWaitsRunsEvenASlowModelOnItsOwnThread) {
  StartRecording(microseconds(100), microseconds(500));
  Enqueue(MakeRequest("measured", 1, 2));  // measured slow: 500 us
  results_.WaitFor(1);
  EXPECT_NE(ThreadOf(0), std::this_thread::get_id());
  for (int i = 1; i < 3; ++i) {
    std::unique_ptr<InferRequest> request = MakeRequest("w" + std::to_string(i), 1, 2);
    request->caller_waits = true;
    Enqueue(std::move(request));
    EXPECT_EQ(results_.size(), static_cast<size_t>(i + 1));  // answered inside Enqueue
    EXPECT_EQ(ThreadOf(i), std::this_thread::get_id()) << "request " << i;
  }
  // A caller that does not wait still hands off to the workers.
  Enqueue(MakeRequest("async", 1, 2));
  results_.WaitFor(4);
  EXPECT_NE(ThreadOf(3), std::this_thread::get_id());
}

TEST_F(RunToCompletionTest, ACallerThatWaitsStillQueuesWhileTheOnlyInstanceIsBusy) {
  StartRecording(microseconds(100), microseconds(500));
  Enqueue(MakeRequest("measured", 1, 2));
  results_.WaitFor(1);
  HoldExecutions();
  std::thread first([this] { Enqueue(MakeRequest("held", 1, 2)); });
  gate_.WaitEntered(1);
  std::unique_ptr<InferRequest> waiting = MakeRequest("waits", 1, 2);
  waiting->caller_waits = true;
  Enqueue(std::move(waiting));  // returns: no free instance to run it on
  EXPECT_EQ(results_.size(), 1u);
  gate_.Open();
  first.join();
  results_.WaitFor(3);
}

TEST_F(RunToCompletionTest, ALimitOfZeroNeverRunsOnTheCaller) {
  StartRecording(std::chrono::nanoseconds(0), Clock::Duration(0));
  for (int i = 0; i < 3; ++i) {
    std::unique_ptr<InferRequest> request = MakeRequest("r" + std::to_string(i), 1, 2);
    request->caller_waits = (i == 2);  // not even for a caller that waits
    Enqueue(std::move(request));
    results_.WaitFor(i + 1);
    EXPECT_NE(ThreadOf(i), std::this_thread::get_id()) << "request " << i;
  }
}

TEST_F(RunToCompletionTest, ARequestThatMustWaitForBatchMatesGoesToTheWorkers) {
  // Batching with the wait policy: a lone request waits out the delay on a worker, even
  // for a fast model and an idle instance.
  ModelConfig config = FakeModel::Config(4, Delay(1000));
  config.parameters["batching_policy"] = "wait";
  Start(std::move(config), 1, microseconds(100));
  Enqueue(MakeRequest("full", 4, 2));  // a full batch goes at once (measured: 0 us)
  results_.WaitFor(1);
  const Clock::TimePoint due = clock_.Now() + microseconds(1000);
  Enqueue(MakeRequest("lone", 1, 2));
  EXPECT_EQ(results_.size(), 1u);  // not answered inside Enqueue
  ASSERT_TRUE(clock_.AwaitWaiter(due));
  clock_.Advance(microseconds(1000));
  results_.WaitFor(2);
}

TEST_F(RunToCompletionTest, WhileTheOnlyInstanceIsBusyTheRequestQueues) {
  // Two callers: the first holds the only instance inside Execute; the second finds no
  // free instance and its request waits for the instance to come back.
  StartRecording(microseconds(100), Clock::Duration(0));
  Enqueue(MakeRequest("warm-up", 1, 2));
  results_.WaitFor(1);
  HoldExecutions();
  std::thread first([this] { Enqueue(MakeRequest("held", 1, 2)); });
  gate_.WaitEntered(1);
  Enqueue(MakeRequest("queued", 1, 2));  // returns: nothing free to run it on
  EXPECT_EQ(results_.size(), 1u);
  gate_.Open();
  first.join();
  results_.WaitFor(3);
  EXPECT_EQ(model_->calls().size(), 3u);
}

TEST_F(RunToCompletionTest, TheThreadRunningToCompletionRunsQueuedBatchesUpToALimit) {
  // Five requests queue while a caller's run holds the only instance. That caller runs
  // four of them on its own thread before it returns (no worker woken for them); a worker
  // runs the fifth (the caller's own connections wait meanwhile, so it stops at four).
  StartRecording(microseconds(100), Clock::Duration(0));
  Enqueue(MakeRequest("warm-up", 1, 2));
  results_.WaitFor(1);
  HoldAndRecord();
  std::thread::id caller;
  std::thread first([this, &caller] {
    caller = std::this_thread::get_id();
    Enqueue(MakeRequest("held", 1, 2));
  });
  gate_.WaitEntered(1);
  for (int i = 1; i <= 5; ++i) Enqueue(MakeRequest("queued-" + std::to_string(i), 1, 2));
  EXPECT_EQ(results_.size(), 1u);  // nothing free to run them on
  gate_.Open();
  first.join();
  results_.WaitFor(7);
  ASSERT_EQ(model_->calls().size(), 7u);
  EXPECT_EQ(ThreadOf(1), caller);  // held
  for (size_t call = 2; call <= 5; ++call) EXPECT_EQ(ThreadOf(call), caller) << call;
  EXPECT_NE(ThreadOf(6), caller);  // queued-5, a worker's
  EXPECT_NE(ThreadOf(6), std::this_thread::get_id());
  std::vector<std::string> ids;
  for (const Collector::Result& r : results_.Take()) {
    ASSERT_TRUE(r.result.ok()) << r.result.status();
    ids.push_back((*r.result)->id);
  }
  EXPECT_THAT(ids, ::testing::UnorderedElementsAre("warm-up", "held", "queued-1", "queued-2",
                                                   "queued-3", "queued-4", "queued-5"));
}

TEST_F(RunToCompletionTest, ASlowModelsQueueIsLeftToTheWorkers) {
  // Measured slower than the limit: whoever holds the instance, queued requests are the
  // workers' (a caller that waits runs its own request, never other callers').
  StartRecording(microseconds(100), microseconds(500));
  Enqueue(MakeRequest("measured", 1, 2));
  results_.WaitFor(1);
  HoldAndRecord();
  std::thread::id caller;
  std::thread first([this, &caller] {
    caller = std::this_thread::get_id();
    std::unique_ptr<InferRequest> request = MakeRequest("waits", 1, 2);
    request->caller_waits = true;
    Enqueue(std::move(request));
  });
  gate_.WaitEntered(1);
  Enqueue(MakeRequest("queued", 1, 2));
  gate_.Open();
  first.join();
  results_.WaitFor(3);
  EXPECT_EQ(ThreadOf(1), caller);
  EXPECT_NE(ThreadOf(2), caller);
}

}  // namespace
}  // namespace tensord::scheduler
