#include "frontend/grpc/infer_call.h"

#include <chrono>
#include <utility>

#include "frontend/grpc/infer_codec.h"
#include "frontend/grpc/status_code.h"

namespace tensord::grpc {

InferCall::InferCall(const CallEnv& env)
    : Call(env), request_(std::make_shared<inference::ModelInferRequest>()) {
  env_.service->RequestModelInfer(&context_, request_.get(), &responder_, env_.cq, env_.cq, this);
}

void InferCall::Proceed(bool ok) {
  if (finishing_ || !ok) {
    delete this;
    return;
  }
  Spawn(env_);
  const auto arrival = std::chrono::steady_clock::now();
  absl::StatusOr<std::unique_ptr<InferRequest>> request = RequestFromProto(request_);
  if (!request.ok()) {
    Reply(request.status());
    return;
  }
  (*request)->arrival = arrival;
  // The callback may run inline (errors found before queueing) or on a scheduler thread.
  env_.server->InferAsync(*std::move(request),
                          [this](InferResult result) { Reply(std::move(result)); });
}

void InferCall::Reply(InferResult result) {
  // Set before Finish: the Finish tag may come back on the queue thread at once.
  finishing_ = true;
  if (!result.ok()) {
    responder_.FinishWithError(ToGrpcStatus(result.status()), this);
    return;
  }
  ResponseToProto(std::move(**result), &response_);
  responder_.Finish(response_, ::grpc::Status::OK, this);
}

}  // namespace tensord::grpc
