// ModelInfer: one unary inference call, answered from the inference callback.
//
//   InferCall::Spawn(env);   // posts the request for the next ModelInfer call
//
// States: waiting for a call → inferring (the request is with Server::InferAsync; no
// thread waits) → finishing (Finish sent from the callback's thread; the object deletes
// itself when the queue returns the Finish tag). The request message is held by a
// shared_ptr that the input tensors co-own, so raw input bytes are never copied.
#pragma once

#include <memory>

#include "core/infer_request.h"
#include "frontend/grpc/call.h"
#include "grpcpp/support/async_unary_call.h"

namespace tensord::grpc {

class InferCall final : public Call, public Tag {
 public:
  static void Spawn(const CallEnv& env) { new InferCall(env); }
  void Proceed(bool ok) override;

 private:
  explicit InferCall(const CallEnv& env);
  // Runs once, on any thread; after it returns the object may already be gone.
  void Reply(InferResult result);

  ::grpc::ServerContext context_;
  std::shared_ptr<inference::ModelInferRequest> request_;
  inference::ModelInferResponse response_;
  ::grpc::ServerAsyncResponseWriter<inference::ModelInferResponse> responder_{&context_};
  bool finishing_ = false;
};

}  // namespace tensord::grpc
