#include "frontend/auth/auth_policy.h"

namespace tensord::auth {

Role RequiredRole(Action action) {
  switch (action) {
    case Action::kHealth:
    case Action::kMetadata:
    case Action::kInfer:
    case Action::kStatistics:
      return Role::kInfer;
    case Action::kMetrics:
      return Role::kMetrics;
    case Action::kRepositoryIndex:
    case Action::kModelControl:
    case Action::kSharedMemory:
    case Action::kLogging:
      return Role::kAdmin;
  }
  return Role::kAdmin;
}

bool RoleAllows(RoleSet roles, Action action) {
  if ((roles & RoleBit(Role::kAdmin)) != 0) return true;
  // Probes may come with a metrics (monitoring) token too.
  if (action == Action::kHealth && (roles & RoleBit(Role::kMetrics)) != 0) return true;
  return (roles & RoleBit(RequiredRole(action))) != 0;
}

std::optional<Role> ParseRole(std::string_view name) {
  if (name == "infer") return Role::kInfer;
  if (name == "admin") return Role::kAdmin;
  if (name == "metrics") return Role::kMetrics;
  return std::nullopt;
}

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kInfer:
      return "infer";
    case Role::kAdmin:
      return "admin";
    case Role::kMetrics:
      return "metrics";
  }
  return "?";
}

std::string RoleSetText(RoleSet roles) {
  std::string text;
  for (Role role : {Role::kInfer, Role::kAdmin, Role::kMetrics}) {
    if ((roles & RoleBit(role)) == 0) continue;
    if (!text.empty()) text += ", ";
    text += RoleName(role);
  }
  return text.empty() ? "none" : text;
}

}  // namespace tensord::auth
