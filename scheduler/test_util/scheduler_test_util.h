// Helpers for threaded scheduler tests: requests with known values, a collector of
// callbacks that tests can wait on, and a gate that holds executions until opened.
//
//   Collector results;
//   scheduler->Enqueue(MakeRequest("r1", /*rows=*/2, /*width=*/3), results.Callback());
//   results.WaitFor(1);
//   Gate gate;  model.set_on_execute([&](auto&) { gate.Pass(); });
//   gate.WaitEntered(1); ... gate.Open();
//
// Waits use real time only as a safety net (they fail the test after 10 s), never to let
// something happen.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/infer_request.h"
#include "gtest/gtest.h"

namespace tensord::scheduler {

inline constexpr auto kSafetyTimeout = std::chrono::seconds(10);

// x: FP32 [rows, width] with values first, first + 1, ...
inline std::unique_ptr<InferRequest> MakeRequest(std::string id, int64_t rows, int64_t width,
                                                 float first = 0) {
  auto request = std::make_unique<InferRequest>();
  request->model_name = "fake";
  request->id = std::move(id);
  std::vector<std::byte> bytes(static_cast<size_t>(rows * width) * sizeof(float));
  for (int64_t i = 0; i < rows * width; ++i) {
    const float value = first + static_cast<float>(i);
    std::memcpy(bytes.data() + i * sizeof(float), &value, sizeof(float));
  }
  request->inputs.push_back({.name = "x",
                             .datatype = DataType::kFp32,
                             .shape = {rows, width},
                             .data = Buffer::FromVector(std::move(bytes))});
  return request;
}

class Collector {
 public:
  struct Result {
    std::string tag;
    InferResult result;
  };

  InferCallback Callback(std::string tag = "") {
    return [this, tag = std::move(tag)](InferResult result) mutable {
      std::lock_guard lock(mutex_);
      results_.push_back({std::move(tag), std::move(result)});
      changed_.notify_all();
    };
  }

  // Blocks until `count` callbacks ran; fails the test if that takes 10 s.
  void WaitFor(size_t count) {
    std::unique_lock lock(mutex_);
    const bool done =
        changed_.wait_for(lock, kSafetyTimeout, [&] { return results_.size() >= count; });
    EXPECT_TRUE(done) << "only " << results_.size() << " of " << count << " callbacks ran";
  }

  size_t size() const {
    std::lock_guard lock(mutex_);
    return results_.size();
  }
  // Moves the results out, in callback order.
  std::vector<Result> Take() {
    std::lock_guard lock(mutex_);
    return std::move(results_);
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Result> results_;
};

class Gate {
 public:
  // Called by an execution: counts it, then blocks until Open().
  void Pass() {
    std::unique_lock lock(mutex_);
    ++entered_;
    changed_.notify_all();
    changed_.wait_for(lock, kSafetyTimeout, [&] { return open_; });
  }
  void WaitEntered(int count) {
    std::unique_lock lock(mutex_);
    const bool done = changed_.wait_for(lock, kSafetyTimeout, [&] { return entered_ >= count; });
    EXPECT_TRUE(done) << "only " << entered_ << " of " << count << " executions started";
  }
  void Open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int entered_ = 0;
  bool open_ = false;
};

}  // namespace tensord::scheduler
