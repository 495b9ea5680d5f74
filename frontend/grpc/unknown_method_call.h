// Answers calls to methods the server does not have (another service, an rpc from a newer
// proto) with UNIMPLEMENTED and a message that names the method, instead of gRPC's
// default UNIMPLEMENTED with an empty message.
//
//   builder.RegisterAsyncGenericService(&generic);   // catches every unregistered method
//   UnknownMethodCall::Spawn(env, &generic);         // once per completion queue
//
// Lifecycle as UnaryCall's: Spawn waits for the next such call; when one arrives a fresh
// one is spawned, the status is sent without reading the request, and the object deletes
// itself when that completes (or at once when the server shuts down first).
#pragma once

#include "frontend/grpc/call.h"
#include "grpcpp/generic/async_generic_service.h"

namespace tensord::grpc {

class UnknownMethodCall final : public Call, public Tag {
 public:
  static void Spawn(const CallEnv& env, ::grpc::AsyncGenericService* generic) {
    new UnknownMethodCall(env, generic);
  }

  void Proceed(bool ok) override {
    if (finishing_ || !ok) {
      delete this;
      return;
    }
    Spawn(env_, generic_);
    finishing_ = true;
    stream_.Finish(::grpc::Status(::grpc::StatusCode::UNIMPLEMENTED,
                                  "method '" + context_.method() +
                                      "' is not supported by tensord (it serves "
                                      "inference.GRPCInferenceService)"),
                   AsTag());
  }

 private:
  UnknownMethodCall(const CallEnv& env, ::grpc::AsyncGenericService* generic)
      : Call(env), generic_(generic) {
    generic_->RequestCall(&context_, &stream_, env_.cq, env_.cq, AsTag());
  }

  ::grpc::AsyncGenericService* const generic_;
  ::grpc::GenericServerContext context_;
  ::grpc::GenericServerAsyncReaderWriter stream_{&context_};
  bool finishing_ = false;
};

}  // namespace tensord::grpc
