// One thread that answers the timed-out requests of every scheduler in the process.
//
//   DeadlineTimer timer;                       // or DeadlineTimer timer(&fake_clock)
//   timer.Register(&client);                   // client: a DeadlineTimer::Client
//   timer.WakeAt(&client, deadline);           // OnDeadline(now) runs on the timer's thread
//   timer.Unregister(&client);                 // afterwards the client is never called
//
// A scheduler's idle workers see their own deadlines; the timer matters when every
// instance is busy and a queued request's deadline passes. One thread for the whole
// process instead of one per model version (a server with 50 versions had 50 timer
// threads, nearly always asleep).
//
// A client asks for the earliest time it cares about; the timer calls OnDeadline once that
// time has come, and OnDeadline returns the next time it wants (TimePoint::max() for
// none). A WakeAt later than the one pending changes nothing. OnDeadline runs without the
// timer's lock, so a client may call WakeAt from any thread, its own lock held or not.
// Thread-safe. Every client must unregister before the timer is destroyed.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "scheduler/clock.h"

namespace tensord::scheduler {

class DeadlineTimer {
 public:
  class Client {
   public:
    virtual ~Client() = default;
    // The time asked for has come; returns the next time wanted.
    virtual Clock::TimePoint OnDeadline(Clock::TimePoint now) = 0;
  };

  // `clock` (nullptr: SteadyClock()) must outlive the timer.
  explicit DeadlineTimer(Clock* clock = nullptr);
  ~DeadlineTimer();
  DeadlineTimer(const DeadlineTimer&) = delete;
  DeadlineTimer& operator=(const DeadlineTimer&) = delete;

  void Register(Client* client);
  // Asks for OnDeadline at `when` or soon after, unless an earlier call is already due.
  void WakeAt(Client* client, Clock::TimePoint when);
  // Waits for a call of `client` in progress to return; no call follows.
  void Unregister(Client* client);

 private:
  void Run();

  Clock& clock_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::unordered_map<Client*, Clock::TimePoint> wake_ ABSL_GUARDED_BY(mutex_);
  Client* calling_ ABSL_GUARDED_BY(mutex_) = nullptr;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

}  // namespace tensord::scheduler
