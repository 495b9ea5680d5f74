// The time source of a scheduler, injected so that batching decisions and timeouts can be
// tested with a fake clock and no sleeps.
//
//   Clock& clock = SteadyClock();                 // the real one (std::chrono::steady_clock)
//   Clock::TimePoint now = clock.Now();
//   std::unique_lock lock(mutex);
//   clock.WaitUntil(cv, lock, now + 2ms);         // returns on cv.notify_*() or the deadline
//
// A scheduler never sleeps on its own: every wait goes through WaitUntil, so a fake clock
// (scheduler/test_util/fake_clock.h) can wake waiters when a test advances time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace tensord::scheduler {

class Clock {
 public:
  // The same time base as InferRequest::arrival.
  using TimePoint = std::chrono::steady_clock::time_point;
  using Duration = std::chrono::steady_clock::duration;

  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  // Wall-clock time, for timestamps reported to people (last inference).
  virtual std::chrono::system_clock::time_point WallNow() const = 0;
  // Blocks on `cv` (whose mutex `lock` holds) until it is notified or `deadline` passes on
  // this clock; may return spuriously, so callers re-check their state in a loop.
  // TimePoint::max() waits for a notification only.
  virtual void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                         TimePoint deadline) = 0;
};

// The process-wide real clock. Thread-safe.
Clock& SteadyClock();

}  // namespace tensord::scheduler
