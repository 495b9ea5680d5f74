// Releases responses in request arrival order (Triton's preserve_ordering): a response
// that is ready early waits until every earlier request has been answered.
//
//   OrderedResponder responder;
//   // requests get sequence numbers 0, 1, 2, ... in arrival order, each completed once:
//   responder.Complete(seq, std::move(done), std::move(result));
//
// Thread-safe. Callbacks run outside the lock, one at a time, in sequence order, on
// whichever thread completed the response that unblocked them.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "core/infer_request.h"

namespace tensord::scheduler {

class OrderedResponder {
 public:
  void Complete(uint64_t sequence, InferCallback&& done, InferResult&& result);

 private:
  struct Ready {
    InferCallback done;
    InferResult result;
  };
  std::mutex mutex_;
  uint64_t next_ ABSL_GUARDED_BY(mutex_) = 0;
  std::map<uint64_t, Ready> ready_ ABSL_GUARDED_BY(mutex_);
  // True while one thread is running callbacks; others only deposit theirs, so callbacks
  // never overtake each other.
  bool releasing_ ABSL_GUARDED_BY(mutex_) = false;
};

}  // namespace tensord::scheduler
