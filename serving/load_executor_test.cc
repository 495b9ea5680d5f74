#include "serving/load_executor.h"

#include <future>
#include <latch>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord {
namespace {

using ::testing::HasSubstr;

TEST(LoadExecutor, RunsEveryTaskOnItsThreads) {
  std::vector<std::future<absl::Status>> done;
  {
    LoadExecutor executor({.threads = 2});
    for (int i = 0; i < 8; ++i) {
      auto promise = std::make_shared<std::promise<absl::Status>>();
      done.push_back(promise->get_future());
      LoadExecutor::Task task = [promise](absl::Status admitted) { promise->set_value(admitted); };
      ASSERT_TRUE(executor.Post(std::move(task)).ok());
    }
    for (auto& f : done) EXPECT_TRUE(f.get().ok());
  }
}

TEST(LoadExecutor, RefusesBeyondMaxPendingAndKeepsTheTask) {
  LoadExecutor executor({.threads = 1, .max_pending = 1});
  std::latch started(1);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  ASSERT_TRUE(executor
                  .Post([&started, released](absl::Status) {
                    started.count_down();
                    released.wait();
                  })
                  .ok());
  started.wait();  // the thread is busy: the next task waits in the queue
  ASSERT_TRUE(executor.Post([](absl::Status) {}).ok());

  bool called = false;
  LoadExecutor::Task refused = [&called](absl::Status) { called = true; };
  const absl::Status status = executor.Post(std::move(refused));
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(status.message()), HasSubstr("already waiting"));
  // Not taken: the caller still holds it and can answer with the refusal.
  ASSERT_TRUE(static_cast<bool>(refused));
  std::move(refused)(status);
  EXPECT_TRUE(called);
  release.set_value();
}

TEST(LoadExecutor, CancelsQueuedTasksWhenDestroyed) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::latch started(1);
  absl::Status queued_outcome = absl::OkStatus();
  bool queued_called = false;
  {
    LoadExecutor executor({.threads = 1});
    ASSERT_TRUE(executor
                    .Post([&started, released](absl::Status) {
                      started.count_down();
                      released.wait();
                    })
                    .ok());
    started.wait();
    ASSERT_TRUE(executor
                    .Post([&](absl::Status admitted) {
                      queued_called = true;
                      queued_outcome = admitted;
                    })
                    .ok());
    release.set_value();  // the running task ends; the destructor cancels the queued one
  }
  // Either the queued task ran (admitted) before the destructor took the queue, or it was
  // cancelled; it was called exactly once either way.
  EXPECT_TRUE(queued_called);
  if (!queued_outcome.ok()) {
    EXPECT_EQ(queued_outcome.code(), absl::StatusCode::kUnavailable);
    EXPECT_THAT(std::string(queued_outcome.message()), HasSubstr("shutting down"));
  }
}

}  // namespace
}  // namespace tensord
