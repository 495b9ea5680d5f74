// The threads that load and unload models, owned by the Server, so that no frontend
// thread ever waits on a load (a load can take seconds: ONNX Runtime builds sessions).
//
//   LoadExecutor executor({.threads = 2, .max_pending = 64});
//   LoadExecutor::Task task = [](absl::Status admitted) { if (admitted.ok()) { load } else { report } };
//   if (absl::Status queued = executor.Post(std::move(task)); !queued.ok()) {
//     std::move(task)(queued);   // not taken: the caller still owns it
//   }
//   ...   // ~LoadExecutor lets running tasks finish and cancels what is queued
//
// Tasks run in the order posted, `threads` at a time (loads of different models proceed in
// parallel; the repository serializes loads of one model), each called with OK on an
// executor thread. A task posted but not started when the executor is destroyed is called
// with Unavailable instead, so its caller still gets an answer. Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"

namespace tensord {

class LoadExecutor {
 public:
  // Called once: OK to run now, or the reason it will not run.
  using Task = absl::AnyInvocable<void(absl::Status admitted) &&>;
  struct Options {
    int threads = 2;
    // Tasks waiting beyond those running; Post refuses more (a client cannot queue
    // unbounded work).
    size_t max_pending = 64;
  };

  explicit LoadExecutor(Options options);
  ~LoadExecutor();
  LoadExecutor(const LoadExecutor&) = delete;
  LoadExecutor& operator=(const LoadExecutor&) = delete;

  // Queues `task`, taking it only on success. ResourceExhausted when max_pending tasks
  // already wait, Unavailable when the executor is shutting down.
  absl::Status Post(Task&& task);

 private:
  void Run();

  const Options options_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Task> queue_ ABSL_GUARDED_BY(mutex_);
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace tensord
