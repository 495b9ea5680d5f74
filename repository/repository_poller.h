// Polls a model repository on a thread of its own (--model-control-mode poll).
//
//   RepositoryPoller poller(repository, std::chrono::seconds(15));   // starts polling
//   ...                                                              // ~RepositoryPoller stops
//
// Every interval it calls ModelRepository::Poll: new folders load, changed ones reload (a
// broken change keeps the old version serving), removed ones unload.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "repository/model_repository.h"

namespace tensord {

class RepositoryPoller {
 public:
  // `repository` must outlive the poller. `after_poll`, when set, runs on the poller's
  // thread after each Poll (pipelines waiting for a model load then, serving/pipeline/).
  RepositoryPoller(ModelRepository& repository, std::chrono::milliseconds interval,
                   std::function<void()> after_poll = nullptr);
  ~RepositoryPoller();
  RepositoryPoller(const RepositoryPoller&) = delete;
  RepositoryPoller& operator=(const RepositoryPoller&) = delete;

 private:
  void Run();

  ModelRepository& repository_;
  const std::chrono::milliseconds interval_;
  const std::function<void()> after_poll_;
  std::mutex mutex_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tensord
