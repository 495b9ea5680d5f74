// A request waiting in a scheduler's queue, with what the batcher needs to know about it
// computed once at enqueue time.
//
//   PendingRequest pending{.request = std::move(request), .done = std::move(done),
//                          .rows = 3, .batch_key = BatchKey(config, *request), ...};
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "core/infer_request.h"
#include "scheduler/clock.h"

namespace tensord::scheduler {

// Requests without a "priority" parameter (or with 0) sort after every explicit level;
// level 1 is the most urgent, as in Triton.
inline constexpr uint64_t kDefaultPriority = std::numeric_limits<uint64_t>::max();

struct PendingRequest {
  std::unique_ptr<InferRequest> request;
  InferCallback done;
  // Rows along the batch dimension (1 for models that do not batch).
  int64_t rows = 1;
  // Requests share a batch only when their keys are equal (same inputs, datatypes,
  // non-batch dimensions and outputs); empty: never batched with another.
  std::string batch_key;
  Clock::TimePoint enqueued{};
  Clock::TimePoint deadline = Clock::TimePoint::max();  // max: no timeout
  uint64_t priority = kDefaultPriority;
  uint64_t sequence = 0;  // arrival order, for preserve_ordering

  bool cancelled() const { return request->cancelled && request->cancelled->load(); }
};

}  // namespace tensord::scheduler
