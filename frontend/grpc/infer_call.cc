#include "frontend/grpc/infer_call.h"

#include <chrono>
#include <utility>

#include "absl/status/status.h"
#include "frontend/access_log.h"
#include "frontend/grpc/call_auth.h"
#include "frontend/grpc/infer_codec.h"
#include "frontend/grpc/status_code.h"

namespace tensord::grpc {

InferCall::InferCall(const CallEnv& env) : Call(env) {
  // Must precede the request; the done tag is delivered only for calls that arrive.
  context_.AsyncNotifyWhenDone(static_cast<Tag*>(&done_tag_));
  env_.service->RequestModelInfer(&context_, &request_, &responder_, env_.cq, env_.cq, AsTag());
}

void InferCall::Proceed(bool ok) {
  if (started_) {  // Finish completed (ok=false: the client was gone)
    Release();
    return;
  }
  if (!ok) {  // shutting down before a call arrived: no tag is owed
    delete this;
    return;
  }
  started_ = true;
  owed_tags_ = 2;
  OnStart();
}

void InferCall::OnDone() {
  if (context_.IsCancelled()) messages_->cancelled.store(true);
  Release();
}

void InferCall::Release() {
  if (--owed_tags_ == 0) delete this;
}

void InferCall::OnStart() {
  Spawn(env_);
  const auto arrival = std::chrono::steady_clock::now();
  arrival_ = arrival;
  if (absl::Status allowed = CheckCall(env_, context_, auth::Action::kInfer, "ModelInfer");
      !allowed.ok()) {
    Reply(allowed);
    return;
  }
  absl::StatusOr<std::unique_ptr<InferRequest>> request =
      RequestFromProto(std::shared_ptr<const inference::ModelInferRequest>(messages_, &request_));
  if (!request.ok()) {
    Reply(request.status());
    return;
  }
  if (absl::Status within = CheckRequestLimits(**request, env_.limits); !within.ok()) {
    Reply(within);
    return;
  }
  // Seldon Core 2's mesh routes by the "seldon-model" metadata key (a model or
  // "<p>.pipeline"), whatever the request names.
  if (auto seldon = context_.client_metadata().find("seldon-model");
      seldon != context_.client_metadata().end() && !seldon->second.empty()) {
    (*request)->model_name.assign(seldon->second.data(), seldon->second.size());
    (*request)->model_version.clear();
  }
  (*request)->arrival = arrival;
  (*request)->cancelled =
      std::shared_ptr<const std::atomic<bool>>(messages_, &messages_->cancelled);
  // The callback may run inline (errors found before queueing) or on a scheduler thread.
  env_.core->InferAsync(*std::move(request),
                        [this](InferResult result) { Reply(std::move(result)); });
}

void InferCall::Reply(InferResult result) {
  result_ = std::move(result);
  if (ServesQueue(env_.cq)) {
    SendReply();
  } else {
    if (!alarm_.has_value()) alarm_.emplace();
    alarm_->Set(env_.cq, gpr_time_0(GPR_CLOCK_MONOTONIC), static_cast<Tag*>(&reply_tag_));
  }
}

void InferCall::SendReply() {
  InferResult& result = result_;
  if (AccessLog* log = env_.access_log) {
    // gRPC's code numbers are absl's, so absl names them ("INVALID_ARGUMENT").
    const std::string code = absl::StatusCodeToString(static_cast<absl::StatusCode>(
        ToGrpcCode(result.ok() ? absl::StatusCode::kOk : result.status().code())));
    const auto latency = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - arrival_);
    log->Log({.protocol = "grpc",
              .method = "ModelInfer",
              .model = request_.model_name(),
              .version = request_.model_version(),
              .grpc_code = code,
              .latency_us = latency.count(),
              .request_id = request_.id()});
  }
  if (!result.ok()) {
    responder_.FinishWithError(ToGrpcStatus(result.status()), AsTag());
    return;
  }
  inference::ModelInferResponse* response = messages_->Create<inference::ModelInferResponse>();
  ResponseToProto(std::move(**result), response);
  responder_.Finish(*response, ::grpc::Status::OK, AsTag());
}

}  // namespace tensord::grpc
