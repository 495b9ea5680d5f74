// Who may call what: the one authorisation policy of every listener (REST, gRPC, metrics).
// Each frontend names the action a route or RPC performs; this file says which role it
// needs, so the three ports can never disagree.
//
//   Role            may
//   infer           health, server and model metadata/readiness/config, inference, statistics
//   metrics         health, the metrics port
//   admin           everything: the above, the repository index, model load/unload
//
//   if (RoleAllows(roles, Action::kModelControl)) ...   // roles: a RoleSet (bit set)
//   RequiredRoleText(Action::kInfer)   // "'infer' (or 'admin')", for messages
//
// Pure functions, no state: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tensord::auth {

enum class Role : uint8_t { kInfer = 1, kAdmin = 2, kMetrics = 4 };

// A set of roles, as bits of Role.
using RoleSet = uint8_t;
constexpr RoleSet RoleBit(Role role) { return static_cast<RoleSet>(role); }

enum class Action {
  kHealth,           // /v2/health/*, ServerLive, ServerReady (open with --auth-open-health)
  kMetadata,         // /v2, model metadata, model readiness, model config
  kInfer,            // inference, REST and gRPC (unary and stream)
  kStatistics,       // the statistics extension
  kRepositoryIndex,  // the repository extension's index
  kModelControl,     // model load and unload
  kSharedMemory,     // system (and CUDA) shared-memory register, unregister and status
  kLogging,          // the logging extension's settings (and trace settings)
  kMetrics,          // the metrics port
};

// The role an action needs (admin may do every action besides).
Role RequiredRole(Action action);
bool RoleAllows(RoleSet roles, Action action);

// "infer", "admin", "metrics"; nullopt for any other name.
std::optional<Role> ParseRole(std::string_view name);
std::string_view RoleName(Role role);
// "infer, metrics"; "none" for the empty set.
std::string RoleSetText(RoleSet roles);

}  // namespace tensord::auth
