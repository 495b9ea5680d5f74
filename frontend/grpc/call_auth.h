// The auth check of one gRPC call (frontend/auth: the policy every listener shares): the
// bearer token from the `authorization` metadata (what Triton's clients send for a header)
// and, with mutual TLS, the client certificate's subject CN.
//
//   absl::Status allowed = CheckCall(env, context, auth::Action::kModelControl,
//                                    "RepositoryModelLoad");
//   if (!allowed.ok()) responder.FinishWithError(ToGrpcStatus(allowed), tag);
//
// OK when the server runs without --auth-tokens (env.auth null). Otherwise UNAUTHENTICATED
// or PERMISSION_DENIED with the Authenticator's message, naming "gRPC <rpc>".
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "frontend/auth/auth_policy.h"
#include "frontend/grpc/call.h"
#include "grpcpp/server_context.h"

namespace tensord::grpc {

absl::Status CheckCall(const CallEnv& env, const ::grpc::ServerContext& context,
                       auth::Action action, std::string_view rpc);

}  // namespace tensord::grpc
