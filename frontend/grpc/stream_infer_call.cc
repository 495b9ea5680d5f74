#include "frontend/grpc/stream_infer_call.h"

#include <chrono>
#include <string>
#include <utility>

#include "core/status_util.h"
#include "frontend/grpc/call_auth.h"
#include "frontend/grpc/infer_codec.h"
#include "frontend/grpc/status_code.h"

namespace tensord::grpc {
namespace {

std::unique_ptr<inference::ModelStreamInferResponse> ErrorResponse(
    const absl::Status& status, const inference::ModelInferRequest& request) {
  auto response = std::make_unique<inference::ModelStreamInferResponse>();
  response->set_error_message(std::string(Message(status)));
  // Echo what lets a client match the error to its request.
  response->mutable_infer_response()->set_model_name(request.model_name());
  response->mutable_infer_response()->set_model_version(request.model_version());
  response->mutable_infer_response()->set_id(request.id());
  return response;
}

}  // namespace

StreamInferCall::StreamInferCall(const CallEnv& env) : Call(env) {
  env_.service->RequestModelStreamInfer(&context_, &stream_, env_.cq, env_.cq,
                                        static_cast<Tag*>(&start_tag_));
}

void StreamInferCall::OnEvent(Op op, bool ok) {
  switch (op) {
    case Op::kStart:
      if (!ok) {  // shutting down before a stream arrived
        delete this;
        return;
      }
      Spawn(env_);
      if (absl::Status allowed =
              CheckCall(env_, context_, auth::Action::kInfer, "ModelStreamInfer");
          !allowed.ok()) {
        {
          std::lock_guard<std::mutex> lock(mutex_);
          finishing_ = true;
        }
        stream_.Finish(ToGrpcStatus(allowed), static_cast<Tag*>(&finish_tag_));
        return;
      }
      StartRead();
      return;
    case Op::kRead:
      if (ok) {
        OnRead();
        return;
      }
      {
        // The client closed its side (or the stream broke): no more requests.
        std::unique_lock<std::mutex> lock(mutex_);
        reads_done_ = true;
        if (!ShouldFinishLocked()) return;
      }
      SendFinish();
      return;
    case Op::kWrite: {
      bool resume_reading = false;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        writing_ = nullptr;
        writing_messages_.reset();
        writing_error_.reset();
        if (!ok) broken_ = true;
        MaybeWriteLocked();
        // A broken stream resumes too: its Read fails at once and lets the stream finish.
        if (read_paused_ && (broken_ || BacklogLocked() < kMaxBacklog)) {
          read_paused_ = false;
          resume_reading = true;
        } else if (!ShouldFinishLocked()) {
          return;
        }
      }
      if (resume_reading) {
        StartRead();
      } else {
        SendFinish();
      }
      return;
    }
    case Op::kKick: {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        kick_pending_ = false;
        MaybeWriteLocked();
        if (!ShouldFinishLocked()) return;
      }
      SendFinish();
      return;
    }
    case Op::kFinish: {
      // Wait out a thread still inside a locked section that just sent Finish.
      std::lock_guard<std::mutex> lock(mutex_);
    }
      delete this;
      return;
  }
}

void StreamInferCall::StartRead() {
  reading_ = std::make_shared<InferMessages>();
  stream_.Read(reading_->request, static_cast<Tag*>(&read_tag_));
}

void StreamInferCall::OnRead() {
  const auto arrival = std::chrono::steady_clock::now();
  std::shared_ptr<InferMessages> messages = std::move(reading_);
  const uint64_t sequence = next_sequence_++;
  bool read_more = true;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++inferring_;
    if (BacklogLocked() >= kMaxBacklog) {
      read_paused_ = true;
      read_more = false;
    }
  }
  // Keep reading while this one runs (unless the client is not reading its answers).
  if (read_more) StartRead();

  absl::StatusOr<std::unique_ptr<InferRequest>> request = RequestFromProto(
      std::shared_ptr<const inference::ModelInferRequest>(messages, messages->request));
  if (!request.ok()) {
    Complete(sequence, {.result = request.status(), .messages = std::move(messages)});
    return;
  }
  if (absl::Status within = CheckRequestLimits(**request, env_.limits); !within.ok()) {
    Complete(sequence, {.result = within, .messages = std::move(messages)});
    return;
  }
  (*request)->arrival = arrival;
  env_.core->InferAsync(*std::move(request), [this, sequence, messages](InferResult result) {
    Complete(sequence, {.result = std::move(result), .messages = messages});
  });
}

void StreamInferCall::Complete(uint64_t sequence, Answer answer) {
  const bool on_queue = ServesQueue(env_.cq);
  {
    std::unique_lock<std::mutex> lock(mutex_);
    --inferring_;
    ready_.emplace(sequence, std::move(answer));
    if (!on_queue) {
      // Encoding and writing wait for the queue thread; one alarm at a time.
      if (!kick_pending_) {
        kick_pending_ = true;
        kick_.Set(env_.cq, gpr_time_0(GPR_CLOCK_MONOTONIC), static_cast<Tag*>(&kick_tag_));
      }
      return;
    }
    MaybeWriteLocked();
    if (!ShouldFinishLocked()) return;
  }
  SendFinish();
}

void StreamInferCall::MaybeWriteLocked() {
  if (writing_ != nullptr || broken_ || finishing_) return;
  auto next = ready_.find(next_to_write_);
  if (next == ready_.end()) return;
  Answer& answer = next->second;
  if (answer.result.ok()) {
    writing_messages_ = std::move(answer.messages);
    writing_ = writing_messages_->Create<Response>();
    ResponseToProto(std::move(**answer.result), writing_->mutable_infer_response());
  } else {
    writing_error_ = ErrorResponse(answer.result.status(), *answer.messages->request);
    writing_ = writing_error_.get();
  }
  ready_.erase(next);
  ++next_to_write_;
  stream_.Write(*writing_, static_cast<Tag*>(&write_tag_));
}

bool StreamInferCall::ShouldFinishLocked() {
  if (finishing_ || !reads_done_ || inferring_ > 0 || writing_ != nullptr || kick_pending_) {
    return false;
  }
  if (!ready_.empty() && !broken_) return false;
  finishing_ = true;
  return true;
}

int64_t StreamInferCall::BacklogLocked() const {
  return inferring_ + static_cast<int64_t>(ready_.size()) + (writing_ != nullptr ? 1 : 0);
}

void StreamInferCall::SendFinish() {
  stream_.Finish(::grpc::Status::OK, static_cast<Tag*>(&finish_tag_));
}

}  // namespace tensord::grpc
