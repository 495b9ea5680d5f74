// Counts inference callbacks that have not run yet, so that HttpServer::Stop can wait for
// them before it destroys the I/O contexts they post their replies to.
//
//   counter->Add();                         // before Server::InferAsync
//   ... in the callback, after posting:     counter->Done();
//   counter->WaitForZero(10s);              // in Stop
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "absl/base/thread_annotations.h"

namespace tensord::http {

class InflightCounter {
 public:
  void Add() {
    std::lock_guard lock(mutex_);
    ++count_;
  }
  void Done() {
    std::lock_guard lock(mutex_);
    if (--count_ == 0) zero_.notify_all();
  }
  // False when `timeout` passed with callbacks still outstanding.
  bool WaitForZero(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return zero_.wait_for(lock, timeout, [&] { return count_ == 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable zero_;
  int64_t count_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace tensord::http
