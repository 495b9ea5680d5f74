// What one model folder holds, worked out before anything is loaded: the configuration,
// the model's name, and each version to load with its model file and runtime platform.
//
//   ModelFolderPlan plan = ScanModelFolder("models/mlp", registry);
//   if (!plan.error.empty()) { /* the whole model is UNAVAILABLE: plan.error */ }
//   for (const VersionPlan& v : plan.versions) { /* v.error, or load v.model_path */ }
//
// Rules, in order:
//   1. Config: config.pbtxt, else model-settings.json, else none (all from the model file).
//      Paths the config names (the model file, optimized_model_path) must stay inside the
//      folder (repository/path_containment.h); otherwise the whole model is in error.
//   2. Name: the config's name if set, else the folder name.
//   3. Platform: the config's platform/backend resolved by the registry (unknown: error);
//      else, per version, the registry's platform for the model file's extension.
//   4. Versions: when the config names a model file that exists at the top of the folder
//      (MLServer's parameters.uri), that single file. Otherwise numbered folders
//      ("1", "10"; no leading zeros), filtered by the config's version_policy, each holding
//      the config's model file, or else the one file a runtime claims by its extension (for
//      the config's platform, if any) or the runtime's default name ("model.onnx"); among
//      several, the first by name called "model.*" (for XGBoost that is MLServer's order:
//      model.bst, model.json, model.ubj). A version folder of a known platform holding only
//      files no runtime claims by extension is handed over as <folder>/<default name>: the
//      runtime may know other names (Triton FIL's xgboost.json) and says what it looked for.
//      Otherwise a single model file at the top (same search, nothing handed over). A single
//      file is served as the config's version_label, or "1".
//   tensord's default policy is all versions (Triton's is the latest one): a version folder
//   someone made is there to be served, and an unexpected version costs only memory while a
//   missing one fails requests.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/model_config.h"
#include "runtime/runtime.h"

namespace tensord {

struct VersionPlan {
  std::string version;
  std::filesystem::path model_path;
  std::string platform;  // canonical registry name
  std::string error;     // non-empty: this version cannot load ("<path>: <why>")
};

struct ModelFolderPlan {
  std::filesystem::path folder;
  std::string name;
  ModelConfig config;                 // as parsed; name set to `name`
  std::string error;                  // non-empty: the whole model cannot load
  std::vector<VersionPlan> versions;  // ascending version order
};

// The name the folder's model is served under: its config's name (MLServer's
// model-settings.json may name it otherwise than its folder), "<folder>.pipeline" for a
// Seldon pipeline folder, else the folder's name (also when the config cannot be read).
std::string FolderModelName(const std::filesystem::path& folder);

ModelFolderPlan ScanModelFolder(const std::filesystem::path& folder,
                                const runtime::RuntimeRegistry& registry);

}  // namespace tensord
