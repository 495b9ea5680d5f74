#include "scheduler/batch_former.h"

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

std::vector<std::string> Ids(const std::vector<PendingRequest>& requests) {
  std::vector<std::string> ids;
  for (const PendingRequest& pending : requests) ids.push_back(pending.request->id);
  return ids;
}

BatchFormerOptions Batching(int64_t max_batch_size, microseconds delay) {
  return {.batching = true, .max_batch_size = max_batch_size, .max_queue_delay = delay};
}

void Add(BatchFormer& former, Spec spec) { ASSERT_TRUE(former.TryAdd(Make(std::move(spec)))); }

TEST(BatchFormer, OptionsFromConfigTurnBatchingOnOnlyWithABatchDimensionAndConfig) {
  ModelConfig config;
  config.max_batch_size = 8;
  EXPECT_FALSE(BatchFormerOptions::FromConfig(config).batching);
  config.batching = BatchingConfig{
      .max_queue_delay = microseconds(500), .preferred_batch_sizes = {4, 16}, .max_queue_size = 3};
  BatchFormerOptions options = BatchFormerOptions::FromConfig(config);
  EXPECT_TRUE(options.batching);
  EXPECT_EQ(options.max_batch_size, 8);
  EXPECT_EQ(options.max_queue_delay, microseconds(500));
  EXPECT_THAT(options.preferred_batch_sizes, ElementsAre(4));  // 16 can never be reached
  EXPECT_EQ(options.max_queue_size, 3);
  config.max_batch_size = 0;
  EXPECT_FALSE(BatchFormerOptions::FromConfig(config).batching);
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
  BatchFormer former(Batching(4, microseconds(1000)));
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

}  // namespace
}  // namespace tensord::scheduler
