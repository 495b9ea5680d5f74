#include "scheduler/batch_former.h"

#include <span>

#include "core/status_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord::scheduler {
namespace {

using std::chrono::microseconds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const Clock::TimePoint kT0 = Clock::TimePoint{} + std::chrono::hours(1);

struct Spec {
  std::string id;
  int64_t rows = 1;
  std::string key = "k";
  Clock::TimePoint enqueued = kT0;
  Clock::TimePoint deadline = Clock::TimePoint::max();
  uint64_t priority = kDefaultPriority;
};

PendingRequest Make(Spec spec) {
  auto request = std::make_unique<InferRequest>();
  request->id = spec.id;
  return {.request = std::move(request),
          .done = [](InferResult) {},
          .rows = spec.rows,
          .batch_key = spec.key,
          .enqueued = spec.enqueued,
          .deadline = spec.deadline,
          .priority = spec.priority};
}

std::vector<std::string> Ids(std::span<const PendingRequest> requests) {
  std::vector<std::string> ids;
  for (const PendingRequest& pending : requests) ids.push_back(pending.request->id);
  return ids;
}

BatchFormerOptions Batching(int64_t max_batch_size, microseconds delay) {
  return {.batching = true, .max_batch_size = max_batch_size, .max_queue_delay = delay};
}

void Add(BatchFormer& former, Spec spec) { ASSERT_TRUE(former.TryAdd(Make(std::move(spec)))); }

BatchFormerOptions FromConfig(const ModelConfig& config) {
  absl::StatusOr<BatchFormerOptions> options = BatchFormerOptions::FromConfig(config);
  EXPECT_TRUE(options.ok()) << options.status();
  return options.ok() ? *options : BatchFormerOptions{};
}

TEST(BatchFormer, OptionsFromConfigTurnBatchingOnOnlyWithABatchDimensionAndConfig) {
  ModelConfig config;
  config.max_batch_size = 8;
  EXPECT_FALSE(FromConfig(config).batching);
  config.batching = BatchingConfig{
      .max_queue_delay = microseconds(500), .preferred_batch_sizes = {4, 16}, .max_queue_size = 3};
  BatchFormerOptions options = FromConfig(config);
  EXPECT_TRUE(options.batching);
  EXPECT_EQ(options.max_batch_size, 8);
  EXPECT_EQ(options.max_queue_delay, microseconds(500));
  EXPECT_THAT(options.preferred_batch_sizes, ElementsAre(4));  // 16 can never be reached
  EXPECT_EQ(options.max_queue_size, 3);
  EXPECT_EQ(options.policy, BatchingPolicy::kAdaptive);
  config.max_batch_size = 0;
  EXPECT_FALSE(FromConfig(config).batching);
}

TEST(BatchFormer, OptionsFromConfigReadTheBatchingPolicyParameter) {
  ModelConfig config;
  config.max_batch_size = 8;
  config.batching = BatchingConfig{.max_queue_delay = microseconds(500)};
  config.parameters["batching_policy"] = "wait";
  EXPECT_EQ(FromConfig(config).policy, BatchingPolicy::kWait);
  config.parameters["batching_policy"] = "adaptive";
  EXPECT_EQ(FromConfig(config).policy, BatchingPolicy::kAdaptive);
}

TEST(BatchFormer, AnUnknownBatchingPolicyIsInvalidArgument) {
  ModelConfig config;
  config.source = "models/m/config.pbtxt";
  config.parameters["batching_policy"] = "sometimes";
  absl::StatusOr<BatchFormerOptions> options = BatchFormerOptions::FromConfig(config);
  EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(options.status()),
            "models/m/config.pbtxt: parameter 'batching_policy' must be 'adaptive' or 'wait', "
            "got 'sometimes'");
}

TEST(BatchFormer, ZeroDelayDispatchesWhatIsQueuedAtOnce) {
  BatchFormer former(Batching(8, microseconds(0)));
  Add(former, {.id = "a"});
  Add(former, {.id = "b"});
  BatchFormer::Step step = former.Next(kT0, {});
  EXPECT_THAT(Ids(step.batch), ElementsAre("a", "b"));
  EXPECT_TRUE(former.empty());
}

TEST(BatchFormer, WaitsUpToTheDelayOfTheOldestRequestThenDispatches) {
  BatchFormer former(Batching(8, microseconds(100)));
  Add(former, {.id = "a"});
  Add(former, {.id = "b", .enqueued = kT0 + microseconds(60)});
  BatchFormer::Step step = former.Next(kT0 + microseconds(60), {});
  EXPECT_THAT(step.batch, IsEmpty());
  EXPECT_EQ(step.wake_at, kT0 + microseconds(100));
  step = former.Next(kT0 + microseconds(99), {});
  EXPECT_THAT(step.batch, IsEmpty());
  step = former.Next(kT0 + microseconds(100), {});
  EXPECT_THAT(Ids(step.batch), ElementsAre("a", "b"));
  EXPECT_EQ(step.wake_at, Clock::TimePoint::max());
}

TEST(BatchFormer, AFullBatchGoesBeforeTheDelay) {
  // The wait policy: the adaptive one would send "e" at once (all five requests seen
  // together are in the system), see AdaptiveBatching.RequestsStillExecutingCountAsPresent.
  BatchFormerOptions options = Batching(4, microseconds(1000));
  options.policy = BatchingPolicy::kWait;
  BatchFormer former(options);
  for (const char* id : {"a", "b", "c", "d", "e"}) Add(former, {.id = id});
  BatchFormer::Step step = former.Next(kT0, {});
  EXPECT_THAT(Ids(step.batch), ElementsAre("a", "b", "c", "d"));
  EXPECT_EQ(former.size(), 1u);
  step = former.Next(kT0, {});
  EXPECT_THAT(step.batch, IsEmpty());  // "e" waits for its delay
  EXPECT_EQ(step.wake_at, kT0 + microseconds(1000));
}

TEST(BatchFormer, MultiRowRequestsNeverExceedMaxBatchSize) {
  BatchFormer former(Batching(4, microseconds(1000)));
  Add(former, {.id = "two", .rows = 2});
  Add(former, {.id = "three", .rows = 3});
  Add(former, {.id = "one", .rows = 1});
  // "three" cannot join (2 + 3 > 4), so the batch cannot grow in order: it goes now with
  // "one", which fits.
  BatchFormer::Step step = former.Next(kT0, {});
  EXPECT_THAT(Ids(step.batch), ElementsAre("two", "one"));
  step = former.Next(kT0, {});
  EXPECT_THAT(step.batch, IsEmpty());
  step = former.Next(kT0 + microseconds(1000), {});
  EXPECT_THAT(Ids(step.batch), ElementsAre("three"));
}

TEST(BatchFormer, DispatchesTheLargestPreferredSizeReachedWithoutWaiting) {
  BatchFormerOptions options = Batching(8, microseconds(1000));
  options.preferred_batch_sizes = {2, 4};
  BatchFormer former(options);
  Add(former, {.id = "a"});
  EXPECT_THAT(former.Next(kT0, {}).batch, IsEmpty());
  Add(former, {.id = "b"});
  Add(former, {.id = "c"});
  Add(former, {.id = "d"});
  Add(former, {.id = "e"});
  EXPECT_THAT(Ids(former.Next(kT0, {}).batch), ElementsAre("a", "b", "c", "d"));
  EXPECT_THAT(former.Next(kT0, {}).batch, IsEmpty());  // "e" alone is no preferred size
  EXPECT_THAT(Ids(former.Next(kT0 + microseconds(1000), {}).batch), ElementsAre("e"));
}

TEST(BatchFormer, RequestsOfOtherShapesGoToTheirOwnBatchWithoutStarving) {
  BatchFormer former(Batching(8, microseconds(0)));
  Add(former, {.id = "b1", .key = "B"});
  Add(former, {.id = "a1", .key = "A"});
  Add(former, {.id = "b2", .key = "B"});
  Add(former, {.id = "a2", .key = "A"});
  // The oldest request leads each batch; the others of its shape join it.
  EXPECT_THAT(Ids(former.Next(kT0, {}).batch), ElementsAre("b1", "b2"));
  EXPECT_THAT(Ids(former.Next(kT0, {}).batch), ElementsAre("a1", "a2"));
}

TEST(BatchFormer, AnEmptyKeyNeverShares) {
  BatchFormer former(Batching(8, microseconds(0)));
  Add(former, {.id = "a", .key = ""});
  Add(former, {.id = "b", .key = ""});
  EXPECT_THAT(Ids(former.Next(kT0, {}).batch), ElementsAre("a"));
  EXPECT_THAT(Ids(former.Next(kT0, {}).batch), ElementsAre("b"));
}

TEST(BatchFormer, PreserveOrderingEndsTheBatchAtTheFirstRequestThatCannotJoin) {
  BatchFormerOptions options = Batching(8, microseconds(1000));
  options.preserve_ordering = true;
  BatchFormer former(options);
  Add(former, {.id = "a1", .key = "A"});
  Add(former, {.id = "b1", .key = "B"});
  Add(former, {.id = "a2", .key = "A"});
  EXPECT_THAT(Ids(former.Next(kT0, {}).batch), ElementsAre("a1"));
  EXPECT_THAT(Ids(former.Next(kT0, {}).batch), ElementsAre("b1"));
  EXPECT_THAT(former.Next(kT0, {}).batch, IsEmpty());  // "a2" waits for its delay
}

TEST(BatchFormer, TakeAloneSkipsTheQueueOnlyForARequestThatIsItsOwnBatchAtOnce) {
  BatchFormer former(BatchFormerOptions{.batching = false, .max_batch_size = 8});
  BatchFormer::Step step;
  PendingRequest alone = Make({.id = "alone"});
  ASSERT_TRUE(former.TakeAlone(std::move(alone), kT0, step));
  EXPECT_THAT(Ids(step.batch), ElementsAre("alone"));
  EXPECT_TRUE(former.empty());
  // Counted as executing until Finished, as a request Next handed out is.
  EXPECT_EQ(former.expected_concurrency(), 8);

  // Expired or cancelled: refused, and left untouched for the queue to answer.
  BatchFormer::Step none;
  PendingRequest late = Make({.id = "late", .deadline = kT0});
  EXPECT_FALSE(former.TakeAlone(std::move(late), kT0, none));
  EXPECT_NE(late.request, nullptr);
  PendingRequest gone = Make({.id = "gone"});
  gone.request->cancelled = std::make_shared<std::atomic<bool>>(true);
  EXPECT_FALSE(former.TakeAlone(std::move(gone), kT0, none));
  EXPECT_NE(gone.request, nullptr);
  // Something queued: it goes first, so a newcomer does not skip it.
  Add(former, {.id = "queued"});
  PendingRequest newcomer = Make({.id = "newcomer"});
  EXPECT_FALSE(former.TakeAlone(std::move(newcomer), kT0, none));
  EXPECT_THAT(none.batch, IsEmpty());

  // With batching the batcher decides (the request may wait for batch mates).
  BatchFormer batching(Batching(8, microseconds(1000)));
  PendingRequest row = Make({.id = "row"});
  EXPECT_FALSE(batching.TakeAlone(std::move(row), kT0, none));
  EXPECT_NE(row.request, nullptr);
}

TEST(BatchFormer, WithoutBatchingEveryRequestIsItsOwnBatchAtOnce) {
  BatchFormer former(BatchFormerOptions{
      .batching = false, .max_batch_size = 8, .max_queue_delay = microseconds(1000)});
  Add(former, {.id = "a", .rows = 3});
  Add(former, {.id = "b"});
  EXPECT_THAT(Ids(former.Next(kT0, {}).batch), ElementsAre("a"));
  EXPECT_THAT(Ids(former.Next(kT0, {}).batch), ElementsAre("b"));
}

TEST(BatchFormer, ExpiredRequestsAreReturnedAndNeverBatched) {
  BatchFormer former(Batching(8, microseconds(1000)));
  Add(former, {.id = "late", .deadline = kT0 + microseconds(50)});
  Add(former, {.id = "patient"});
  BatchFormer::Step step = former.Next(kT0, {});
  EXPECT_THAT(step.batch, IsEmpty());
  EXPECT_EQ(step.wake_at, kT0 + microseconds(50));
  step = former.Next(kT0 + microseconds(50), {.instance_free = false});
  EXPECT_THAT(Ids(step.expired), ElementsAre("late"));
  EXPECT_THAT(step.batch, IsEmpty());
  EXPECT_EQ(step.wake_at, Clock::TimePoint::max());
  step = former.Next(kT0 + microseconds(1000), {});
  EXPECT_THAT(Ids(step.batch), ElementsAre("patient"));
  EXPECT_THAT(step.expired, IsEmpty());
}

TEST(BatchFormer, AFullQueueRefusesAndLeavesTheRequestWithTheCaller) {
  BatchFormerOptions options = Batching(8, microseconds(1000));
  options.max_queue_size = 2;
  BatchFormer former(options);
  Add(former, {.id = "a"});
  Add(former, {.id = "b"});
  PendingRequest third = Make({.id = "c"});
  EXPECT_FALSE(former.TryAdd(std::move(third)));
  ASSERT_NE(third.request, nullptr);  // NOLINT(bugprone-use-after-move): refused, not moved
  EXPECT_EQ(third.request->id, "c");
  EXPECT_EQ(former.size(), 2u);
}

TEST(BatchFormer, CancelledRequestsAreDroppedNotBatched) {
  BatchFormer former(Batching(8, microseconds(0)));
  PendingRequest gone = Make({.id = "gone"});
  auto flag = std::make_shared<std::atomic<bool>>(false);
  gone.request->cancelled = flag;
  ASSERT_TRUE(former.TryAdd(std::move(gone)));
  Add(former, {.id = "here"});
  flag->store(true);
  BatchFormer::Step step = former.Next(kT0, {});
  EXPECT_THAT(Ids(step.cancelled), ElementsAre("gone"));
  EXPECT_THAT(Ids(step.batch), ElementsAre("here"));
  EXPECT_TRUE(former.empty());
}

TEST(BatchFormer, UrgentPriorityLevelsGoFirst) {
  BatchFormer former(Batching(8, microseconds(0)));
  Add(former, {.id = "default", .key = "A"});
  Add(former, {.id = "urgent", .key = "B", .priority = 1});
  Add(former, {.id = "level2", .key = "B", .priority = 2});
  EXPECT_THAT(Ids(former.Next(kT0, {}).batch), ElementsAre("urgent", "level2"));
  EXPECT_THAT(Ids(former.Next(kT0, {}).batch), ElementsAre("default"));
}

TEST(BatchFormer, PriorityOrderHoldsAfterALevelEmptiesAndIsKept) {
  // The last level is kept when it empties (no allocation per request); levels made later,
  // more and less urgent, still go in priority order around it.
  BatchFormer former(Batching(8, microseconds(0)));
  Add(former, {.id = "first", .key = "A", .priority = 3});
  EXPECT_THAT(Ids(former.Next(kT0, {}).batch), ElementsAre("first"));
  former.Finished(1);
  EXPECT_TRUE(former.empty());
  Add(former, {.id = "later", .key = "B", .priority = 5});
  Add(former, {.id = "again", .key = "C", .priority = 3});
  Add(former, {.id = "urgent", .key = "D", .priority = 1});
  EXPECT_THAT(Ids(former.Next(kT0, {}).batch), ElementsAre("urgent"));
  EXPECT_THAT(Ids(former.Next(kT0, {}).batch), ElementsAre("again"));
  EXPECT_THAT(Ids(former.Next(kT0, {}).batch), ElementsAre("later"));
  EXPECT_TRUE(former.empty());
}

TEST(BatchFormer, NoFreeInstanceMeansNoBatchOnlyExpiry) {
  BatchFormer former(Batching(1, microseconds(0)));
  Add(former, {.id = "a", .deadline = kT0 + microseconds(10)});
  BatchFormer::Step step = former.Next(kT0, {.instance_free = false});
  EXPECT_THAT(step.batch, IsEmpty());
  EXPECT_EQ(step.wake_at, kT0 + microseconds(10));
  EXPECT_EQ(former.size(), 1u);
}

TEST(BatchFormer, FlushIgnoresTheDelay) {
  BatchFormer former(Batching(8, microseconds(1000)));
  Add(former, {.id = "a"});
  EXPECT_THAT(Ids(former.Next(kT0, {.flush = true}).batch), ElementsAre("a"));
}

// Adaptive policy: an idle instance runs what is queued at once unless requests seen in the
// system together before are missing (their clients will send again soon); the delay stays
// the bound on any wait.

BatchFormerOptions Adaptive(int64_t max_batch_size, microseconds delay) {
  BatchFormerOptions options = Batching(max_batch_size, delay);
  options.policy = BatchingPolicy::kAdaptive;
  return options;
}

// `count` requests arrive together at `at` and wait out the delay (the policy's first
// guess is a full batch), then execute and finish: the former has seen `count` at once.
void LearnConcurrency(BatchFormer& former, int count, Clock::TimePoint at) {
  for (int i = 0; i < count; ++i) Add(former, {.id = "learn", .enqueued = at});
  EXPECT_THAT(former.Next(at, {}).batch, IsEmpty());
  BatchFormer::Step step = former.Next(at + former.options().max_queue_delay, {});
  ASSERT_EQ(step.batch.size(), static_cast<size_t>(count));
  former.Finished(step.batch.size());
  EXPECT_EQ(former.expected_concurrency(), count);
}

TEST(AdaptiveBatching, UntilTrafficIsSeenALoneRequestWaitsTheDelay) {
  BatchFormer former(Adaptive(8, microseconds(100)));
  EXPECT_EQ(former.expected_concurrency(), 8);
  Add(former, {.id = "a"});
  BatchFormer::Step step = former.Next(kT0, {});
  EXPECT_THAT(step.batch, IsEmpty());
  EXPECT_EQ(step.wake_at, kT0 + microseconds(100));
  EXPECT_THAT(Ids(former.Next(kT0 + microseconds(100), {}).batch), ElementsAre("a"));
  // Nobody came: one request at a time is what this model gets.
  EXPECT_EQ(former.expected_concurrency(), 1);
}

TEST(AdaptiveBatching, OneRequestAtATimeRunsAtOnce) {
  BatchFormer former(Adaptive(8, microseconds(100)));
  LearnConcurrency(former, 1, kT0);
  for (int i = 1; i <= 3; ++i) {
    const Clock::TimePoint at = kT0 + microseconds(1000 * i);
    Add(former, {.id = "lone", .enqueued = at});
    BatchFormer::Step step = former.Next(at, {});
    EXPECT_THAT(Ids(step.batch), ElementsAre("lone"));
    former.Finished(step.batch.size());
  }
  EXPECT_EQ(former.expected_concurrency(), 1);
}

TEST(AdaptiveBatching, WaitsForRequestsSeenTogetherBeforeThenGoesWhenTheyAreBack) {
  BatchFormer former(Adaptive(8, microseconds(1000)));
  LearnConcurrency(former, 3, kT0);
  const Clock::TimePoint t1 = kT0 + microseconds(5000);
  Add(former, {.id = "a", .enqueued = t1});
  BatchFormer::Step step = former.Next(t1, {});
  EXPECT_THAT(step.batch, IsEmpty());
  EXPECT_EQ(step.wake_at, t1 + microseconds(1000));
  Add(former, {.id = "b", .enqueued = t1 + microseconds(10)});
  EXPECT_THAT(former.Next(t1 + microseconds(10), {}).batch, IsEmpty());
  Add(former, {.id = "c", .enqueued = t1 + microseconds(20)});
  EXPECT_THAT(Ids(former.Next(t1 + microseconds(20), {}).batch), ElementsAre("a", "b", "c"));
}

TEST(AdaptiveBatching, TheDelayBoundsTheWaitAndAWaitThatDidNotPayLowersTheExpectation) {
  BatchFormer former(Adaptive(8, microseconds(1000)));
  LearnConcurrency(former, 3, kT0);
  const Clock::TimePoint t1 = kT0 + microseconds(5000);
  Add(former, {.id = "a", .enqueued = t1});
  Add(former, {.id = "b", .enqueued = t1});
  EXPECT_THAT(former.Next(t1 + microseconds(999), {}).batch, IsEmpty());
  BatchFormer::Step step = former.Next(t1 + microseconds(1000), {});
  EXPECT_THAT(Ids(step.batch), ElementsAre("a", "b"));
  EXPECT_EQ(former.expected_concurrency(), 2);
  former.Finished(step.batch.size());
  // Two at a time now: a pair goes as soon as both are there.
  const Clock::TimePoint t2 = t1 + microseconds(5000);
  Add(former, {.id = "c", .enqueued = t2});
  EXPECT_THAT(former.Next(t2, {}).batch, IsEmpty());
  Add(former, {.id = "d", .enqueued = t2});
  EXPECT_THAT(Ids(former.Next(t2, {}).batch), ElementsAre("c", "d"));
}

TEST(AdaptiveBatching, RequestsStillExecutingCountAsPresent) {
  // Two clients, two instances: while one request executes, the other's runs at once on
  // the free instance instead of waiting for a partner that is busy elsewhere.
  BatchFormer former(Adaptive(8, microseconds(1000)));
  LearnConcurrency(former, 2, kT0);
  const Clock::TimePoint t1 = kT0 + microseconds(5000);
  Add(former, {.id = "a", .enqueued = t1});
  Add(former, {.id = "b", .enqueued = t1});
  EXPECT_THAT(Ids(former.Next(t1, {}).batch), ElementsAre("a", "b"));  // executing
  Add(former, {.id = "c", .enqueued = t1 + microseconds(50)});
  EXPECT_THAT(Ids(former.Next(t1 + microseconds(50), {}).batch), ElementsAre("c"));
}

TEST(AdaptiveBatching, RequestsArrivingWhileOthersExecuteRaiseTheExpectation) {
  BatchFormer former(Adaptive(8, microseconds(1000)));
  LearnConcurrency(former, 1, kT0);
  const Clock::TimePoint t1 = kT0 + microseconds(5000);
  Add(former, {.id = "a", .enqueued = t1});
  EXPECT_THAT(Ids(former.Next(t1, {}).batch), ElementsAre("a"));
  // The instance is busy with "a" while three more arrive: four clients at once.
  Add(former, {.id = "b", .enqueued = t1});
  Add(former, {.id = "c", .enqueued = t1});
  Add(former, {.id = "d", .enqueued = t1});
  EXPECT_EQ(former.expected_concurrency(), 4);
  former.Finished(1);
  // "a"'s client has not sent again yet: wait for it (up to the delay), then all four go.
  EXPECT_THAT(former.Next(t1 + microseconds(100), {}).batch, IsEmpty());
  Add(former, {.id = "a2", .enqueued = t1 + microseconds(150)});
  EXPECT_THAT(Ids(former.Next(t1 + microseconds(150), {}).batch), ElementsAre("b", "c", "d", "a2"));
}

TEST(AdaptiveBatching, FullAndPreferredBatchesStillGoAtOnce) {
  BatchFormerOptions options = Adaptive(4, microseconds(1000));
  options.preferred_batch_sizes = {2};
  BatchFormer former(options);
  EXPECT_EQ(former.expected_concurrency(), 4);
  Add(former, {.id = "a"});
  Add(former, {.id = "b"});
  EXPECT_THAT(Ids(former.Next(kT0, {}).batch), ElementsAre("a", "b"));
  for (const char* id : {"c", "d", "e", "f"}) Add(former, {.id = id});
  EXPECT_THAT(Ids(former.Next(kT0, {}).batch), ElementsAre("c", "d", "e", "f"));
}

TEST(WaitPolicy, EveryLoneRequestWaitsTheDelay) {
  BatchFormerOptions options = Batching(8, microseconds(100));
  options.policy = BatchingPolicy::kWait;
  BatchFormer former(options);
  for (int i = 0; i < 3; ++i) {
    const Clock::TimePoint at = kT0 + microseconds(1000 * i);
    Add(former, {.id = "lone", .enqueued = at});
    EXPECT_THAT(former.Next(at, {}).batch, IsEmpty());
    BatchFormer::Step step = former.Next(at + microseconds(100), {});
    EXPECT_THAT(Ids(step.batch), ElementsAre("lone"));
    former.Finished(step.batch.size());
  }
}

}  // namespace
}  // namespace tensord::scheduler
