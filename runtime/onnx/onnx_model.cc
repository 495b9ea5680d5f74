#include "runtime/onnx/onnx_model.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/status_util.h"
#include "fmt/format.h"
#include "runtime/onnx/config_completion.h"
#include "runtime/onnx/model_signature.h"
#include "runtime/onnx/onnx_instance.h"
#include "runtime/onnx/ort_status.h"

namespace tensord::runtime::onnx {
namespace {

absl::StatusOr<std::shared_ptr<const std::string>> ReadModelFile(
    const std::filesystem::path& path) {
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) {
    return absl::NotFoundError(fmt::format("model file '{}' does not exist", path.string()));
  }
  if (!std::filesystem::is_regular_file(status)) {
    return absl::InvalidArgumentError(
        fmt::format("model file '{}' is not a regular file", path.string()));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        fmt::format("cannot open model file '{}': {}", path.string(), std::strerror(errno)));
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) {
    return absl::InvalidArgumentError(fmt::format("cannot read model file '{}'", path.string()));
  }
  return std::make_shared<const std::string>(std::move(content).str());
}

bool SameEffectiveOptions(const SessionParameters& p, const InstanceOptions& a,
                          const InstanceOptions& b) {
  return p.intra_op_threads.value_or(a.intra_op_threads) ==
             p.intra_op_threads.value_or(b.intra_op_threads) &&
         p.inter_op_threads.value_or(a.inter_op_threads) ==
             p.inter_op_threads.value_or(b.inter_op_threads) &&
         a.allow_spinning == b.allow_spinning;
}

}  // namespace

absl::StatusOr<ModelPtr> OnnxModel::Load(std::shared_ptr<Ort::Env> env, const ModelConfig& config,
                                         const std::filesystem::path& model_path) {
  absl::StatusOr<SessionParameters> parameters = ParseSessionParameters(config.parameters);
  if (!parameters.ok()) {
    return Annotate(parameters.status(), fmt::format("model '{}'", config.name));
  }
  absl::StatusOr<std::shared_ptr<const std::string>> bytes = ReadModelFile(model_path);
  if (!bytes.ok()) return bytes.status();
  std::unique_ptr<OnnxModel> model(
      new OnnxModel(std::move(env), config, model_path, *std::move(bytes), *std::move(parameters)));
  absl::Status init = model->Init();
  if (!init.ok()) return init;
  return model;
}

OnnxModel::OnnxModel(std::shared_ptr<Ort::Env> env, ModelConfig config, std::filesystem::path path,
                     std::shared_ptr<const std::string> bytes, SessionParameters parameters)
    : env_(std::move(env)),
      config_(std::move(config)),
      path_(std::move(path)),
      bytes_(std::move(bytes)),
      parameters_(std::move(parameters)) {}

absl::StatusOr<std::unique_ptr<Ort::Session>> OnnxModel::NewSession(const InstanceOptions& options,
                                                                    SaveOptimized save) const {
  return GuardOrt(OrtPhase::kLoad, fmt::format("loading ONNX model '{}'", path_.string()),
                  [&]() -> absl::StatusOr<std::unique_ptr<Ort::Session>> {
                    Ort::SessionOptions session_options =
                        MakeSessionOptions(parameters_, options,
                                           {.model_dir = path_.parent_path(),
                                            .save_optimized_model = save == SaveOptimized::kYes});
                    return std::make_unique<Ort::Session>(*env_, bytes_->data(), bytes_->size(),
                                                          session_options);
                  });
}

absl::Status OnnxModel::Init() {
  absl::StatusOr<std::unique_ptr<Ort::Session>> session =
      NewSession(InstanceOptions{}, SaveOptimized::kYes);
  if (!session.ok()) return session.status();
  const std::string file_name = path_.filename().string();
  absl::StatusOr<FileSignature> signature =
      GuardOrt(OrtPhase::kLoad, fmt::format("reading ONNX model '{}'", path_.string()),
               [&] { return ReadSignature(**session); });
  if (!signature.ok()) {
    return Annotate(signature.status(), fmt::format("{} ({})", file_name, path_.string()));
  }
  absl::Status completed = CompleteConfig(*signature, file_name, config_);
  if (!completed.ok()) return completed;
  absl::MutexLock lock(&mu_);
  first_session_ = *std::move(session);
  return absl::OkStatus();
}

absl::StatusOr<InstancePtr> OnnxModel::CreateInstance(const InstanceOptions& options) {
  std::unique_ptr<Ort::Session> session;
  {
    absl::MutexLock lock(&mu_);
    // Only the first instance may take Init's session; later ones build their own.
    if (first_session_ && SameEffectiveOptions(parameters_, options, InstanceOptions{})) {
      session = std::move(first_session_);
    }
    first_session_.reset();
  }
  if (!session) {
    absl::StatusOr<std::unique_ptr<Ort::Session>> created = NewSession(options, SaveOptimized::kNo);
    if (!created.ok()) return created.status();
    session = *std::move(created);
  }
  return OnnxInstance::Create(std::move(session), config_.name, config_.max_batch_size);
}

}  // namespace tensord::runtime::onnx
