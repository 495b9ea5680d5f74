#include "serving/load_executor.h"

#include <algorithm>
#include <utility>

#include "fmt/format.h"

namespace tensord {

LoadExecutor::LoadExecutor(Options options) : options_(options) {
  const int threads = std::max(1, options_.threads);
  threads_.reserve(static_cast<size_t>(threads));
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

LoadExecutor::~LoadExecutor() {
  std::deque<Task> cancelled;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    cancelled.swap(queue_);
  }
  ready_.notify_all();
  for (std::thread& thread : threads_) thread.join();
  for (Task& task : cancelled) {
    std::move(task)(absl::UnavailableError("cancelled: the server is shutting down"));
  }
}

absl::Status LoadExecutor::Post(Task&& task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return absl::UnavailableError("the server is shutting down");
    if (queue_.size() >= options_.max_pending) {
      return absl::ResourceExhaustedError(fmt::format(
          "{} model loads and unloads are already waiting (the most --max-pending-loads "
          "allows); try again later",
          queue_.size()));
    }
    queue_.push_back(std::move(task));
  }
  ready_.notify_one();
  return absl::OkStatus();
}

void LoadExecutor::Run() {
  for (;;) {
    Task task;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;  // the destructor cancels what is queued
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    std::move(task)(absl::OkStatus());
  }
}

}  // namespace tensord
