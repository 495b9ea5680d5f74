#include "repository/repository_poller.h"

namespace tensord {

RepositoryPoller::RepositoryPoller(ModelRepository& repository, std::chrono::milliseconds interval,
                                   std::function<void()> after_poll)
    : repository_(repository),
      interval_(interval),
      after_poll_(std::move(after_poll)),
      thread_([this] { Run(); }) {}

RepositoryPoller::~RepositoryPoller() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  thread_.join();
}

void RepositoryPoller::Run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (stop_.wait_for(lock, interval_, [this] { return stopping_; })) return;
    lock.unlock();
    repository_.Poll();
    if (after_poll_) after_poll_();
    lock.lock();
  }
}

}  // namespace tensord
