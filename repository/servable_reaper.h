// Destroys retired model versions on a thread of its own.
//
//   ServableReaper reaper;
//   ModelHandle handle = reaper.Adopt(std::move(servable));   // a shared_ptr as usual
//   ...                        // the last copy released anywhere, even on a scheduler worker
//   reaper.WaitIdle();         // tests: every released version has been destroyed
//
// Why: a request holds its version's ModelHandle until its callback has run, and that
// callback runs on one of the version's own scheduler workers. When an unload or reload
// has dropped the repository's copy, the request's copy is the last one, so the version
// would be destroyed on its own worker thread: ~ServableModel shuts the scheduler down,
// which joins that very thread (a deadlock, or std::terminate). The last release therefore
// only queues the version here; this thread shuts it down and frees it.
//
// The destructor waits until every adopted version has been released and destroyed, so the
// owner (ModelRepository) must be destroyed after the requests in flight have finished
// (the frontends drain them on Stop). Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/base/thread_annotations.h"

namespace tensord {

class ServableModel;

class ServableReaper {
 public:
  ServableReaper();
  ~ServableReaper();
  ServableReaper(const ServableReaper&) = delete;
  ServableReaper& operator=(const ServableReaper&) = delete;

  // A handle whose last release hands `servable` to this thread for destruction.
  std::shared_ptr<const ServableModel> Adopt(std::unique_ptr<ServableModel> servable);

  // Blocks until nothing released is waiting to be destroyed.
  void WaitIdle();

  // Versions adopted and not yet destroyed (held by someone, queued, or being destroyed).
  int64_t alive() const;

 private:
  void Retire(const ServableModel* servable);
  void Run();

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<const ServableModel*> queue_ ABSL_GUARDED_BY(mutex_);
  int64_t alive_ ABSL_GUARDED_BY(mutex_) = 0;
  bool destroying_ ABSL_GUARDED_BY(mutex_) = false;  // a version is being destroyed now
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

}  // namespace tensord
