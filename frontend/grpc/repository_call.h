// A unary RPC whose work runs elsewhere and may take seconds: RepositoryModelLoad and
// RepositoryModelUnload. The queue thread only starts it (InferenceService::LoadModelAsync
// runs the load on the server's load executor); the outcome comes back on any thread, is
// posted to this call's completion queue through an alarm, and Finish is sent from the
// queue thread. So a load never holds a queue thread, with any --grpc-threads.
//
//   RepositoryCall<RepositoryModelLoadRequest, RepositoryModelLoadResponse>::Spawn(
//       env, &Service::RequestRepositoryModelLoad, &StartRepositoryModelLoad);
//
// Lifecycle: waiting for a call → working (no tag outstanding but the alarm to come) →
// finishing; the object deletes itself when Finish's tag returns.
#pragma once

#include <utility>

#include "frontend/grpc/call.h"
#include "frontend/grpc/call_auth.h"
#include "frontend/grpc/handlers.h"
#include "frontend/grpc/status_code.h"
#include "grpcpp/alarm.h"
#include "grpcpp/support/async_unary_call.h"

namespace tensord::grpc {

template <typename Request, typename Response>
class RepositoryCall final : public Call, public Tag {
 public:
  using RequestMethod = void (Service::*)(::grpc::ServerContext*, Request*,
                                          ::grpc::ServerAsyncResponseWriter<Response>*,
                                          ::grpc::CompletionQueue*, ::grpc::ServerCompletionQueue*,
                                          void*);
  using Starter = void (*)(InferenceService& service, const Request& request, GrpcDone done);

  static void Spawn(const CallEnv& env, RequestMethod method, Starter start) {
    new RepositoryCall(env, method, start);
  }

  void Proceed(bool ok) override {
    switch (state_) {
      case State::kWaiting:
        if (!ok) {  // shutting down before a call came
          delete this;
          return;
        }
        Spawn(env_, method_, start_);
        if (absl::Status allowed = CheckCall(env_, context_, auth::Action::kModelControl,
                                             request_.GetDescriptor()->name());
            !allowed.ok()) {
          state_ = State::kFinishing;
          responder_.FinishWithError(ToGrpcStatus(allowed), AsTag());
          return;
        }
        state_ = State::kWorking;
        start_(*env_.core, request_, [this](::grpc::Status status) {
          status_ = std::move(status);
          // Back to the queue thread, whichever thread the work finished on.
          alarm_.Set(env_.cq, gpr_time_0(GPR_CLOCK_MONOTONIC), AsTag());
        });
        return;
      case State::kWorking:
        state_ = State::kFinishing;
        responder_.Finish(response_, status_, AsTag());
        return;
      case State::kFinishing:
        delete this;
        return;
    }
  }

 private:
  enum class State { kWaiting, kWorking, kFinishing };

  RepositoryCall(const CallEnv& env, RequestMethod method, Starter start)
      : Call(env), method_(method), start_(start) {
    (env_.service->*method_)(&context_, &request_, &responder_, env_.cq, env_.cq, AsTag());
  }

  const RequestMethod method_;
  const Starter start_;
  State state_ = State::kWaiting;
  ::grpc::ServerContext context_;
  Request request_;
  Response response_;
  ::grpc::Status status_;
  ::grpc::Alarm alarm_;
  ::grpc::ServerAsyncResponseWriter<Response> responder_{&context_};
};

}  // namespace tensord::grpc
