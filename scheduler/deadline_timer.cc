#include "scheduler/deadline_timer.h"

#include <algorithm>

namespace tensord::scheduler {

DeadlineTimer::DeadlineTimer(Clock* clock)
    : clock_(clock != nullptr ? *clock : SteadyClock()), thread_([this] { Run(); }) {}

DeadlineTimer::~DeadlineTimer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void DeadlineTimer::Register(Client* client) {
  std::lock_guard lock(mutex_);
  wake_.emplace(client, Clock::TimePoint::max());
}

void DeadlineTimer::WakeAt(Client* client, Clock::TimePoint when) {
  {
    std::lock_guard lock(mutex_);
    auto it = wake_.find(client);
    if (it == wake_.end() || when >= it->second) return;
    it->second = when;
  }
  changed_.notify_all();
}

void DeadlineTimer::Unregister(Client* client) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return calling_ != client; });
  wake_.erase(client);
}

void DeadlineTimer::Run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    Client* due = nullptr;
    Clock::TimePoint earliest = Clock::TimePoint::max();
    for (const auto& [client, when] : wake_) {
      if (when < earliest) {
        earliest = when;
        due = client;
      }
    }
    const Clock::TimePoint now = clock_.Now();
    if (due == nullptr || earliest > now) {
      clock_.WaitUntil(changed_, lock, earliest);
      continue;
    }
    wake_[due] = Clock::TimePoint::max();
    calling_ = due;
    lock.unlock();
    const Clock::TimePoint next = due->OnDeadline(now);
    lock.lock();
    calling_ = nullptr;
    if (auto it = wake_.find(due); it != wake_.end()) it->second = std::min(it->second, next);
    changed_.notify_all();  // an Unregister may wait for this call to end
  }
}

}  // namespace tensord::scheduler
