// A manual clock for deterministic scheduler tests: time moves only when the test says so,
// and waiters whose deadline has been reached are woken by Advance().
//
//   FakeClock clock;                         // starts at an arbitrary fixed point
//   auto scheduler = CreateScheduler(model, {.clock = &clock, ...});
//   clock.Advance(std::chrono::microseconds(500));   // wakes threads waiting until then
//   clock.AwaitWaiter(clock.Now() + 1ms);    // a thread has decided to wait until then
//
// Thread-safe. Advance() must not be called while holding a mutex a waiter uses.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <list>
#include <mutex>
#include <vector>

#include "scheduler/clock.h"

namespace tensord::scheduler {

class FakeClock final : public Clock {
 public:
  FakeClock() = default;

  TimePoint Now() const override {
    std::lock_guard lock(mutex_);
    return now_;
  }
  std::chrono::system_clock::time_point WallNow() const override {
    return std::chrono::system_clock::time_point{} + (Now() - TimePoint{});
  }

  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 TimePoint deadline) override {
    std::list<Waiter>::iterator self;
    {
      std::lock_guard guard(mutex_);
      if (deadline <= now_) return;
      started_.push_back(deadline);
      self = waiters_.insert(waiters_.end(), Waiter{&cv, lock.mutex(), deadline});
      registered_.notify_all();
    }
    // `lock` is held from registration until wait() releases it, and Advance() takes that
    // mutex before notifying: no wake-up can be lost in between.
    cv.wait(lock);
    std::lock_guard guard(mutex_);
    waiters_.erase(self);
  }

  // Moves time forward and wakes every waiter whose deadline is now reached.
  void Advance(Duration by) {
    std::vector<Waiter> due;
    {
      std::lock_guard guard(mutex_);
      now_ += by;
      for (const Waiter& waiter : waiters_) {
        if (waiter.deadline <= now_) due.push_back(waiter);
      }
    }
    for (const Waiter& waiter : due) {
      std::lock_guard waiter_lock(*waiter.mutex);
      waiter.cv->notify_all();
    }
  }

  // Blocks until a thread waits in WaitUntil with exactly `deadline`, so that a test knows a
  // decision to wait was made before it moves time past it. Real time is only a safety net:
  // false after 10 s.
  bool AwaitWaiter(TimePoint deadline) {
    std::unique_lock lock(mutex_);
    return registered_.wait_for(lock, std::chrono::seconds(10), [&] {
      return std::any_of(waiters_.begin(), waiters_.end(),
                         [&](const Waiter& waiter) { return waiter.deadline == deadline; });
    });
  }

  // How many waits until `deadline` have begun so far (a thread woken for nothing waits
  // again; other threads, such as a deadline timer's, wait until other times).
  size_t waits_started(TimePoint deadline) const {
    std::lock_guard guard(mutex_);
    return static_cast<size_t>(std::count(started_.begin(), started_.end(), deadline));
  }

  // Number of threads blocked in WaitUntil (lets tests wait until workers are idle).
  size_t waiters() const {
    std::lock_guard guard(mutex_);
    return waiters_.size();
  }

 private:
  struct Waiter {
    std::condition_variable* cv;
    std::mutex* mutex;
    TimePoint deadline;
  };
  mutable std::mutex mutex_;
  std::condition_variable registered_;  // a waiter was added
  TimePoint now_ = TimePoint{} + std::chrono::hours(1);
  std::list<Waiter> waiters_;
  std::vector<TimePoint> started_;  // the deadline of every wait begun
};

}  // namespace tensord::scheduler
