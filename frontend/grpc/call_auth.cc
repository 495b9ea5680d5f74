#include "frontend/grpc/call_auth.h"

#include <optional>
#include <string>

#include "fmt/format.h"
#include "frontend/auth/authenticator.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/security/auth_context.h"

namespace tensord::grpc {

absl::Status CheckCall(const CallEnv& env, const ::grpc::ServerContext& context,
                       auth::Action action, std::string_view rpc) {
  if (env.auth == nullptr) return absl::OkStatus();
  // Unary calls pass their request message's name: "RepositoryIndexRequest" names the RPC
  // "RepositoryIndex".
  constexpr std::string_view kSuffix = "Request";
  if (rpc.ends_with(kSuffix)) rpc.remove_suffix(kSuffix.size());
  auth::Credentials credentials;
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find("authorization"); it != metadata.end()) {
    credentials.authorization = std::string_view(it->second.data(), it->second.size());
  }
  std::string common_name;
  if (std::shared_ptr<const ::grpc::AuthContext> peer = context.auth_context()) {
    // Set by gRPC only for a client certificate it verified (mutual TLS).
    std::vector<::grpc::string_ref> names = peer->FindPropertyValues(GRPC_X509_CN_PROPERTY_NAME);
    if (!names.empty()) common_name.assign(names.front().data(), names.front().size());
  }
  credentials.common_name = common_name;
  return env.auth->Check(action, credentials, fmt::format("gRPC {}", rpc));
}

}  // namespace tensord::grpc
