#include "scheduler/batch_former.h"

#include <algorithm>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "fmt/format.h"

namespace tensord::scheduler {
namespace {

// How many queued requests one decision looks at, so that a long queue of requests that
// cannot join the head's batch does not make every decision linear in the queue length.
constexpr size_t kMinLookahead = 256;

}  // namespace

absl::StatusOr<BatchFormerOptions> BatchFormerOptions::FromConfig(const ModelConfig& config) {
  BatchFormerOptions options;
  // Adaptive is the default for both config formats. Triton's max_queue_delay_microseconds
  // and MLServer's max_batch_time are documented as the most a request may be delayed, so
  // dispatching earlier when nobody else is coming keeps their contract while removing the
  // cost both servers are known for (every request at low load waiting out the window:
  // ../shared/ANCHORS.md). "wait" reproduces their exact batch formation.
  if (auto it = config.parameters.find(kBatchingPolicyParameter); it != config.parameters.end()) {
    if (it->second == "wait") {
      options.policy = BatchingPolicy::kWait;
    } else if (it->second != "adaptive") {
      return absl::InvalidArgumentError(
          fmt::format("{}: parameter '{}' must be 'adaptive' or 'wait', got '{}'",
                      config.source.empty() ? "the model config" : config.source,
                      kBatchingPolicyParameter, it->second));
    }
  }
  if (config.batching.has_value()) {
    const BatchingConfig& batching = *config.batching;
    options.batching = config.max_batch_size > 0;
    options.max_queue_delay = batching.max_queue_delay;
    options.preserve_ordering = batching.preserve_ordering;
    options.max_queue_size = batching.max_queue_size;
    for (int64_t size : batching.preferred_batch_sizes) {
      if (size > 0 && size <= config.max_batch_size) options.preferred_batch_sizes.push_back(size);
    }
  }
  options.max_batch_size = std::max<int64_t>(config.max_batch_size, 1);
  return options;
}

BatchFormer::BatchFormer(BatchFormerOptions options)
    : options_(std::move(options)), expected_concurrency_(options_.max_batch_size) {}

bool BatchFormer::TryAdd(PendingRequest&& request) {
  if (options_.max_queue_size > 0 && static_cast<int64_t>(size_) >= options_.max_queue_size) {
    return false;
  }
  earliest_deadline_ = std::min(earliest_deadline_, request.deadline);
  levels_[request.priority].push_back(std::move(request));
  ++size_;
  expected_concurrency_ = std::max(expected_concurrency_, static_cast<int64_t>(size_) + executing_);
  return true;
}

bool BatchFormer::TakeAlone(PendingRequest&& request, Clock::TimePoint now, Step& step) {
  if (options_.batching || size_ != 0 || request.deadline <= now || request.cancelled()) {
    return false;
  }
  ++executing_;
  expected_concurrency_ = std::max(expected_concurrency_, executing_);
  step.batch.push_back(std::move(request));
  return true;
}

void BatchFormer::Finished(size_t requests) {
  executing_ = std::max<int64_t>(0, executing_ - static_cast<int64_t>(requests));
}

BatchFormer::Step BatchFormer::Next(Clock::TimePoint now, NextOptions next_options) {
  Step step;
  if (now >= earliest_deadline_) DropExpired(now, step.expired);
  if (next_options.instance_free && size_ > 0) FormBatch(now, next_options.flush, step);
  step.wake_at = std::min(step.wake_at, earliest_deadline_);
  return step;
}

void BatchFormer::DropExpired(Clock::TimePoint now, std::vector<PendingRequest>& expired) {
  earliest_deadline_ = Clock::TimePoint::max();
  for (auto& [priority, level] : levels_) {
    for (PendingRequest& pending : level) {
      if (pending.deadline <= now) {
        expired.push_back(std::move(pending));
      } else {
        earliest_deadline_ = std::min(earliest_deadline_, pending.deadline);
      }
    }
  }
  if (!expired.empty()) EraseTaken(size_);
}

bool BatchFormer::IsPreferred(int64_t rows) const {
  const auto& sizes = options_.preferred_batch_sizes;
  return std::find(sizes.begin(), sizes.end(), rows) != sizes.end();
}

void BatchFormer::FormBatch(Clock::TimePoint now, bool flush, Step& step) {
  const size_t lookahead =
      std::max(kMinLookahead, static_cast<size_t>(4 * options_.max_batch_size));
  absl::InlinedVector<PendingRequest*, 16> selected;
  PendingRequest* head = nullptr;
  int64_t rows = 0;
  size_t preferred_count = 0;  // requests in the largest preferred-size prefix
  bool cannot_grow = false;    // dispatch now: waiting would not make the batch bigger
  bool stop = false;           // look no further
  size_t scanned = 0;
  for (auto& [priority, level] : levels_) {
    for (PendingRequest& pending : level) {
      if (stop || ++scanned > lookahead) break;
      if (pending.cancelled()) {
        step.cancelled.push_back(std::move(pending));
        continue;
      }
      if (head == nullptr) {
        head = &pending;
      } else if (!options_.batching || head->batch_key.empty() ||
                 pending.batch_key != head->batch_key) {
        // Another shape: it waits for a later batch (led by it once it is the oldest).
        stop = options_.preserve_ordering;
        cannot_grow = stop;
        continue;
      } else if (rows + pending.rows > options_.max_batch_size) {
        // A compatible request no longer fits: the batch will not grow in queue order,
        // though a smaller request further back may still fill it.
        cannot_grow = true;
        stop = options_.preserve_ordering;
        continue;
      }
      selected.push_back(&pending);
      rows += pending.rows;
      if (!options_.batching || rows >= options_.max_batch_size) stop = cannot_grow = true;
      if (IsPreferred(rows)) preferred_count = selected.size();
    }
    if (stop || scanned > lookahead) break;
  }

  size_t take = 0;
  if (head != nullptr) {
    const Clock::TimePoint due = head->enqueued + options_.max_queue_delay;
    // Queued (less those just found cancelled) plus executing.
    const int64_t in_system = static_cast<int64_t>(size_ - step.cancelled.size()) + executing_;
    if (cannot_grow || flush) {
      take = selected.size();
    } else if (now >= due) {
      take = selected.size();
      // The requests this wait expected did not come: expect what is there.
      if (waiting_for_expected_) expected_concurrency_ = in_system;
    } else if (preferred_count > 0) {
      take = preferred_count;
    } else if (options_.policy == BatchingPolicy::kAdaptive && in_system >= expected_concurrency_) {
      take = selected.size();  // nobody else is expected: waiting would not pay
    } else {
      step.wake_at = due;
      waiting_for_expected_ = options_.policy == BatchingPolicy::kAdaptive;
    }
  }
  if (take > 0) {
    waiting_for_expected_ = false;
    executing_ += static_cast<int64_t>(take);
  }
  step.batch.reserve(take);
  for (size_t i = 0; i < take; ++i) step.batch.push_back(std::move(*selected[i]));
  if (!step.batch.empty() || !step.cancelled.empty()) EraseTaken(std::min(scanned, size_));
}

void BatchFormer::EraseTaken(size_t scanned) {
  // Taken requests all lie in the first `scanned` of the queue (in level order), so only
  // that prefix is compacted: the cost does not grow with the queue behind it.
  for (auto it = levels_.begin(); it != levels_.end() && scanned > 0;) {
    Level& level = it->second;
    const size_t span = std::min(scanned, level.size());
    scanned -= span;
    const auto end = level.begin() + static_cast<std::ptrdiff_t>(span);
    const auto kept = std::remove_if(
        level.begin(), end, [](const PendingRequest& pending) { return !pending.request; });
    size_ -= static_cast<size_t>(end - kept);
    level.erase(kept, end);
    // The last level stays when it empties: most traffic uses one priority, and a level
    // rebuilt per request costs three allocations (map node, deque map and block).
    it = level.empty() && levels_.size() > 1 ? levels_.erase(it) : std::next(it);
  }
}

}  // namespace tensord::scheduler
