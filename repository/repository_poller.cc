#include "repository/repository_poller.h"

namespace tensord {

RepositoryPoller::RepositoryPoller(ModelRepository& repository, std::chrono::milliseconds interval)
    : repository_(repository), interval_(interval), thread_([this] { Run(); }) {}

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
    lock.lock();
  }
}

}  // namespace tensord
