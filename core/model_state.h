// Where a model version stands in its life, as the repository extension reports it.
//
//   for (const ModelVersionStatus& row : service.RepositoryIndex(/*ready_only=*/false)) {
//     fmt::print("{} {} {} {}\n", row.name, row.version, ModelStateName(row.state), row.reason);
//   }
#pragma once

#include <string>
#include <string_view>

namespace tensord {

enum class ModelState { kLoading, kReady, kUnavailable, kUnloading };
std::string_view ModelStateName(ModelState state);  // "READY", as Triton spells them

struct ModelVersionStatus {
  std::string name;
  std::string version;  // empty when the model failed before any version was found
  ModelState state = ModelState::kUnavailable;
  std::string reason;  // why it is not ready; empty when ready
};

}  // namespace tensord
