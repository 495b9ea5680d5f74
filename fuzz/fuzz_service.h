// An InferenceService for the HTTP fuzzer with the server's request path and no runtimes:
// the fixed models of fuzz_models.h, InferAsync validates like Server::InferAsync and
// echoes the inputs as outputs (so the response encoder runs too), LoadModelAsync applies
// a configuration override like ModelRepository::Load. Everything answers inline.
//
//   tensord::fuzz::FuzzService service;
//   tensord::http::RestHandler handler(service, std::make_shared<InflightCounter>());
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/inference_service.h"
#include "core/request_validation.h"
#include "fmt/format.h"
#include "fuzz/fuzz_models.h"
#include "repository/config_override.h"

namespace tensord::fuzz {

class FuzzService final : public InferenceService {
 public:
  bool IsLive() const override { return true; }
  bool IsReady() const override { return true; }
  ServerMetadata Metadata() const override {
    return {.name = "tensord", .version = "fuzz", .extensions = {"binary_tensor_data"}};
  }
  absl::StatusOr<ModelMetadata> GetModelMetadata(std::string_view name,
                                                 std::string_view version) const override {
    absl::StatusOr<ModelConfig> config = GetModelConfig(name, version);
    if (!config.ok()) return config.status();
    return MetadataFromConfig(*config, {"1"});
  }
  absl::Status ModelReady(std::string_view name, std::string_view version) const override {
    return GetModelConfig(name, version).status();
  }
  absl::StatusOr<ModelConfig> GetModelConfig(std::string_view name,
                                             std::string_view version) const override {
    const ModelConfig* model = FindModel(name);
    if (model == nullptr || !(version.empty() || version == "1")) {
      return absl::NotFoundError(fmt::format("unknown model '{}' version '{}'", name, version));
    }
    return *model;
  }
  absl::StatusOr<std::vector<ModelStats>> GetModelStats(std::string_view name,
                                                        std::string_view version) const override {
    if (name.empty()) return std::vector<ModelStats>{};
    if (absl::Status known = ModelReady(name, version); !known.ok()) return known;
    return std::vector<ModelStats>(1);
  }
  std::vector<ModelVersionStatus> RepositoryIndex(bool) const override { return {}; }
  void LoadModelAsync(std::string_view name, ModelLoadOptions options,
                      StatusCallback done) override {
    const ModelConfig* model = FindModel(name);
    if (model == nullptr) {
      std::move(done)(absl::NotFoundError(fmt::format("no folder '{}'", name)));
      return;
    }
    if (options.config_json.empty()) {
      std::move(done)(absl::OkStatus());
      return;
    }
    const ConfigOverrideOptions override_options{.max_instances = MaxInstances(),
                                                 .planned_platforms = {model->platform},
                                                 .canonical = CanonicalPlatform};
    std::move(done)(
        ApplyConfigOverride(*model, options.config_json, model->name, override_options).status());
  }
  void UnloadModelAsync(std::string_view, StatusCallback done) override {
    std::move(done)(absl::OkStatus());
  }
  absl::Status RegisterSystemSharedMemory(const SharedMemoryRegion&) override {
    // Never maps anything: the fuzzer must not touch /dev/shm.
    return absl::InvalidArgumentError("shared memory is not available in the fuzzer");
  }
  absl::Status UnregisterSystemSharedMemory(std::string_view) override { return absl::OkStatus(); }
  absl::StatusOr<std::vector<SharedMemoryRegion>> SystemSharedMemoryStatus(
      std::string_view) const override {
    return std::vector<SharedMemoryRegion>{};
  }
  LogSettings GetLogSettings() const override { return {}; }
  absl::StatusOr<LogSettings> UpdateLogSettings(const LogSettingsUpdate&) override {
    return LogSettings{};
  }
  void InferAsync(std::unique_ptr<InferRequest>&& request, InferCallback&& done) override {
    absl::StatusOr<ModelConfig> config =
        GetModelConfig(request->model_name, request->model_version);
    if (!config.ok()) {
      std::move(done)(config.status());
      return;
    }
    if (absl::Status valid = ValidateInferRequest(*config, *request); !valid.ok()) {
      std::move(done)(std::move(valid));
      return;
    }
    auto response = std::make_unique<InferResponse>();
    response->id = request->id;
    response->outputs = std::move(request->inputs);
    std::move(done)(std::move(response));
  }
};

}  // namespace tensord::fuzz
