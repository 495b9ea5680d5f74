// A unary RPC answered on the queue thread by a handler that never blocks (health,
// metadata, config, and the not-yet-implemented methods).
//
//   UnaryCall<ServerLiveRequest, ServerLiveResponse>::Spawn(
//       env, &Service::RequestServerLive, &HandleServerLive, auth::Action::kHealth);
//
// `action` is what the call is checked against (frontend/grpc/call_auth.h) before the
// handler runs.
//
// Lifecycle: Spawn posts the request for the next call; when one arrives a fresh call is
// spawned to take the one after, the handler runs, Finish is sent, and the object deletes
// itself when Finish completes (or at once when the server shuts down before a call came).
#pragma once

#include <string>

#include "frontend/grpc/call.h"
#include "frontend/grpc/call_auth.h"
#include "frontend/grpc/status_code.h"
#include "grpcpp/support/async_unary_call.h"

namespace tensord::grpc {

template <typename Request, typename Response>
class UnaryCall final : public Call, public Tag {
 public:
  using RequestMethod = void (Service::*)(::grpc::ServerContext*, Request*,
                                          ::grpc::ServerAsyncResponseWriter<Response>*,
                                          ::grpc::CompletionQueue*, ::grpc::ServerCompletionQueue*,
                                          void*);
  using Handler = ::grpc::Status (*)(InferenceService& service, const Request& request,
                                     Response* response);

  static void Spawn(const CallEnv& env, RequestMethod method, Handler handler,
                    auth::Action action) {
    new UnaryCall(env, method, handler, action);
  }

  void Proceed(bool ok) override {
    if (finishing_ || !ok) {
      delete this;
      return;
    }
    Spawn(env_, method_, handler_, action_);
    finishing_ = true;
    if (absl::Status allowed = CheckCall(env_, context_, action_, request_.GetDescriptor()->name());
        !allowed.ok()) {
      responder_.FinishWithError(ToGrpcStatus(allowed), AsTag());
      return;
    }
    // Seldon Core 2's mesh routes by the "seldon-model" metadata key: calls that name a
    // model (ModelReady, ModelMetadata, ...) answer for the model, or "<p>.pipeline", it names.
    if constexpr (requires(Request& r) {
                    r.set_name(std::string());
                    r.clear_version();
                  }) {
      const auto& metadata = context_.client_metadata();
      if (auto seldon = metadata.find("seldon-model");
          seldon != metadata.end() && !seldon->second.empty()) {
        request_.set_name(std::string(seldon->second.data(), seldon->second.size()));
        request_.clear_version();
      }
    }
    const ::grpc::Status status = handler_(*env_.core, request_, &response_);
    responder_.Finish(response_, status, AsTag());
  }

 private:
  UnaryCall(const CallEnv& env, RequestMethod method, Handler handler, auth::Action action)
      : Call(env), method_(method), handler_(handler), action_(action) {
    (env_.service->*method_)(&context_, &request_, &responder_, env_.cq, env_.cq, AsTag());
  }

  const RequestMethod method_;
  const Handler handler_;
  const auth::Action action_;
  ::grpc::ServerContext context_;
  Request request_;
  Response response_;
  ::grpc::ServerAsyncResponseWriter<Response> responder_{&context_};
  bool finishing_ = false;
};

}  // namespace tensord::grpc
