// One loaded ONNX model version (runtime.h's Model): the file's bytes, read once, and the
// configuration completed from the file.
//
//   absl::StatusOr<ModelPtr> model = OnnxModel::Load(env, config, "models/mlp/1/model.onnx");
//   absl::StatusOr<InstancePtr> a = (*model)->CreateInstance({.intra_op_threads = 1});
//
// Every instance gets its own Ort::Session made from the bytes in memory, so creating
// instances never touches the disk. Load creates one session to read the file's inputs and
// outputs; the first instance created with the default options takes that session over
// instead of building another one.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "onnxruntime_cxx_api.h"
#include "runtime/onnx/session_parameters.h"
#include "runtime/runtime.h"

namespace tensord::runtime::onnx {

class OnnxModel final : public Model {
 public:
  // NotFound for a missing file; InvalidArgument for a corrupt one, a bad parameter, or a
  // config that contradicts the file (config_completion.h).
  static absl::StatusOr<ModelPtr> Load(std::shared_ptr<Ort::Env> env, const ModelConfig& config,
                                       const std::filesystem::path& model_path);

  const ModelConfig& config() const override { return config_; }
  absl::StatusOr<InstancePtr> CreateInstance(const InstanceOptions& options) override;

 private:
  OnnxModel(std::shared_ptr<Ort::Env> env, ModelConfig config, std::filesystem::path path,
            std::shared_ptr<const std::string> bytes, SessionParameters parameters);

  // Only Init's session saves the optimized graph (parameter optimized_model_path), so that
  // concurrent instance creation never writes the same file twice.
  enum class SaveOptimized { kYes, kNo };
  absl::StatusOr<std::unique_ptr<Ort::Session>> NewSession(const InstanceOptions& options,
                                                           SaveOptimized save) const;
  // Creates the first session, reads the file's signature and completes config_.
  absl::Status Init();

  const std::shared_ptr<Ort::Env> env_;
  ModelConfig config_;  // complete after Init
  const std::filesystem::path path_;
  const std::shared_ptr<const std::string> bytes_;
  const SessionParameters parameters_;

  absl::Mutex mu_;
  // The session Init made, until an instance with default options takes it.
  std::unique_ptr<Ort::Session> first_session_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tensord::runtime::onnx
