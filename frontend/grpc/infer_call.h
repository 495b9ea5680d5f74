// ModelInfer: one unary inference call, answered from the inference callback.
//
//   InferCall::Spawn(env);   // posts the request for the next ModelInfer call
//
// States: waiting for a call → inferring (the request is with InferenceService::InferAsync;
// no thread waits) → finishing. The reply is encoded and Finish sent on the queue thread:
// a result that arrives elsewhere (a scheduler thread) is posted there through an alarm,
// so scheduler threads go straight back to inference. Once a call has
// arrived two tags are owed: Finish's and the "done" tag of AsyncNotifyWhenDone, which
// also tells when the client cancelled (then the request is marked cancelled so the
// scheduler drops it unexecuted). The object deletes itself when both have come back.
//
// Allocations (issue 12): the request and response messages live on one protobuf arena
// whose first block is inside a single InferMessages object (infer_messages.h), so parsing
// the request and building the reply allocate almost nothing beyond the byte strings. The
// input tensors co-own it (aliasing shared_ptrs), so raw input bytes are never copied and
// outlive the call object if a tensor still needs them. The alarm is created only when a result
// arrives off the queue thread (run to completion answers on it).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>

#include "core/infer_request.h"
#include "frontend/grpc/call.h"
#include "frontend/grpc/infer_messages.h"
#include "grpcpp/alarm.h"
#include "grpcpp/support/async_unary_call.h"

namespace tensord::grpc {

class InferCall final : public Call, public Tag {
 public:
  static void Spawn(const CallEnv& env) { new InferCall(env); }
  void Proceed(bool ok) override;

 private:
  class DoneTag final : public Tag {
   public:
    explicit DoneTag(InferCall* call) : call_(call) {}
    void Proceed(bool) override { call_->OnDone(); }

   private:
    InferCall* call_;
  };
  // The alarm that brings a result from a scheduler thread to the queue thread.
  class ReplyTag final : public Tag {
   public:
    explicit ReplyTag(InferCall* call) : call_(call) {}
    void Proceed(bool) override { call_->SendReply(); }

   private:
    InferCall* call_;
  };

  explicit InferCall(const CallEnv& env);
  void OnStart();
  void OnDone();
  // Both owed tags come back on this call's queue thread, so a plain counter suffices.
  void Release();
  // Runs once, on any thread; after it returns the object may already be gone.
  void Reply(InferResult result);
  // Encodes result_ and sends Finish; on the queue thread.
  void SendReply();

  ::grpc::ServerContext context_;
  const std::shared_ptr<InferMessages> messages_ = std::make_shared<InferMessages>();
  inference::ModelInferRequest& request_ = *messages_->request;
  ::grpc::ServerAsyncResponseWriter<inference::ModelInferResponse> responder_{&context_};
  DoneTag done_tag_{this};
  ReplyTag reply_tag_{this};
  std::optional<::grpc::Alarm> alarm_;  // made when first needed (grpc::Alarm allocates)
  InferResult result_;
  std::chrono::steady_clock::time_point arrival_;  // for the access log
  bool started_ = false;
  int owed_tags_ = 0;
};

}  // namespace tensord::grpc
