#include "repository/servable_reaper.h"

#include <utility>

#include "repository/model_repository.h"

namespace tensord {

ServableReaper::ServableReaper() : thread_([this] { Run(); }) {}

ServableReaper::~ServableReaper() {
  {
    std::unique_lock lock(mutex_);
    // Versions still held by requests in flight come back through Retire.
    changed_.wait(lock, [this] { return alive_ == 0; });
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

std::shared_ptr<const ServableModel> ServableReaper::Adopt(
    std::unique_ptr<ServableModel> servable) {
  {
    std::lock_guard lock(mutex_);
    ++alive_;
  }
  return std::shared_ptr<const ServableModel>(
      servable.release(), [this](const ServableModel* released) { Retire(released); });
}

void ServableReaper::Retire(const ServableModel* servable) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(servable);
  }
  changed_.notify_all();
}

void ServableReaper::WaitIdle() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return queue_.empty() && !destroying_; });
}

int64_t ServableReaper::alive() const {
  std::lock_guard lock(mutex_);
  return alive_;
}

void ServableReaper::Run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left
    const ServableModel* servable = queue_.front();
    queue_.pop_front();
    destroying_ = true;
    lock.unlock();
    // Shuts the scheduler down (finishing what it has queued), then frees the model.
    delete servable;
    lock.lock();
    destroying_ = false;
    --alive_;
    changed_.notify_all();
  }
}

}  // namespace tensord
