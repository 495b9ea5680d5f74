// The load API's configuration override: {"parameters": {"config": "<JSON>"}} on
// POST v2/repository/models/<m>/load (or the gRPC "config" parameter) changes a model's
// configuration for this load without touching its files.
//
//   absl::StatusOr<ModelConfig> config =
//       ApplyConfigOverride(folder_config, R"({"max_batch_size": 32,
//                                             "instance_group": [{"count": 2}]})", "mlp");
//
// The JSON uses Triton's model configuration field names. Unlike Triton, which replaces the
// whole config.pbtxt, only the fields given replace the folder's (so {"instance_group":
// [{"count": 4}]} keeps the inputs, batching and parameters the folder declares). MLServer's
// names are accepted too, for tools written against it: parallel_workers (instances) and
// max_batch_time (seconds; > 0 turns adaptive batching on with that delay, 0 turns it off).
//
// Fields that decide which files are loaded (version_policy, platform, backend,
// default_model_filename) cannot be changed: the folder was already planned with them. As
// in Triton, where the override is a whole configuration, such a field is accepted when it
// says what the model already has (a platform or backend naming the runtime every planned
// version uses, the same model file name, an equal version policy).
// Nor can parameters that name files on the server (repository/path_containment.h:
// optimized_model_path): a load request must not choose where the server writes.
// Limits (issue 10): the JSON may nest at most kMaxNestingDepth levels
// (repository/nesting_depth.h); instance counts at most options.max_instances; batching delays
// at most 60 s (scheduler/duration.h).
// Errors are InvalidArgument starting "config override: " and naming the field.
#pragma once

#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/model_config.h"

namespace tensord {

struct ConfigOverrideOptions {
  // The most instances the override may ask for (ModelRepository::Options::
  // max_instances_per_model, the server's --max-instances-per-model).
  int max_instances = std::numeric_limits<int>::max();
  // The canonical runtime platform of every version planned for the folder, and how a
  // platform or backend name maps to one (the runtime registry's Canonical); an override's
  // "platform" / "backend" is accepted when it maps to the one platform these share.
  std::vector<std::string> planned_platforms;
  std::function<std::string(std::string_view)> canonical;
};

absl::StatusOr<ModelConfig> ApplyConfigOverride(const ModelConfig& base, std::string_view json,
                                                std::string_view model_name,
                                                const ConfigOverrideOptions& options = {});

}  // namespace tensord
