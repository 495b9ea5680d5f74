// The whole surface of a tensord server: what the REST and gRPC frontends, the metrics
// exporter and the in-process benchmark call, and all they may call. serving/server.h
// implements it; frontend tests use fakes (frontend/http/test_util/).
//
//   InferenceService& service = *server;
//   service.InferAsync(std::move(request), [](InferResult result) { ... });
//   service.LoadModelAsync("iris", {.config_json = R"({"max_batch_size": 8})"},
//                          [](absl::Status loaded) { ... });   // never blocks the caller
//   absl::StatusOr<std::vector<ModelStats>> stats = service.GetModelStats("", "");
//
// Thread-safe: every frontend thread calls it. Errors are absl::Status values with a
// message that names the model, version, field or tensor; each frontend turns the code
// into its wire code through frontend/wire_status.h, the one table both share.
//
// Threads: InferAsync's callback runs exactly once, inline (errors found before queueing,
// or a request executed on the caller's thread) or on a scheduler thread. Load and unload
// callbacks run on the server's load executor. Neither callback may block: a frontend
// hands the result to its own threads to encode and write.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "core/infer_request.h"
#include "core/log_settings.h"
#include "core/inference_stats.h"
#include "core/model_config.h"
#include "core/model_state.h"
#include "core/trace.h"

namespace tensord {

struct ServerMetadata {
  std::string name;
  std::string version;
  std::vector<std::string> extensions;
};

// A model file a load request carries (Triton's "load from memory": the "file:<path>"
// parameters, e.g. "file:1/model.onnx"): its path inside the model's folder and its bytes.
inline constexpr std::string_view kFileParameterPrefix = "file:";
struct ModelFile {
  std::string path;
  std::string content;
};

struct ModelLoadOptions {
  // A JSON configuration override (repository/config_override.h); empty: the folder's.
  // With `files`, the model's whole configuration.
  std::string config_json;
  // When given, the model is loaded from these files (and config_json) instead of its
  // repository folder (repository/request_files.h).
  std::vector<ModelFile> files;
};

// A system shared-memory region as clients register it and the status lists it.
struct SharedMemoryRegion {
  std::string name;
  std::string key;  // the POSIX shared-memory object (shm_open)
  uint64_t offset = 0;
  uint64_t byte_size = 0;
};

using StatusCallback = absl::AnyInvocable<void(absl::Status) &&>;

class InferenceService {
 public:
  virtual ~InferenceService() = default;

  virtual bool IsLive() const = 0;
  // False while shutting down, and (with strict readiness) while a model failed to load.
  virtual bool IsReady() const = 0;
  virtual ServerMetadata Metadata() const = 0;

  // Metadata of a model (every ready version listed) or of one version ("" = highest
  // ready). NotFound for an unknown model or version; Unavailable, with the reason, for a
  // known one that is not ready.
  virtual absl::StatusOr<ModelMetadata> GetModelMetadata(std::string_view name,
                                                         std::string_view version) const = 0;
  // OK when ready; otherwise the error GetModelMetadata would give.
  virtual absl::Status ModelReady(std::string_view name, std::string_view version) const = 0;
  // The completed configuration of a version, instance_count being the number of
  // instances that run it. Errors as GetModelMetadata.
  virtual absl::StatusOr<ModelConfig> GetModelConfig(std::string_view name,
                                                     std::string_view version) const = 0;
  // The statistics extension: every ready version (name ""), one model's ready versions
  // (version ""), or one version. Errors as GetModelMetadata for a named model.
  virtual absl::StatusOr<std::vector<ModelStats>> GetModelStats(
      std::string_view name, std::string_view version) const = 0;

  // The model repository extension: every model version known (ready_only: the READY
  // ones), sorted by name then version.
  virtual std::vector<ModelVersionStatus> RepositoryIndex(bool ready_only) const = 0;
  // Loads or reloads `name`; `done` gets the outcome once the load is over (InvalidArgument
  // "failed to load ..." with the reason, NotFound for no such folder, Unavailable when the
  // model control mode forbids it). Returns at once.
  virtual void LoadModelAsync(std::string_view name, ModelLoadOptions options,
                              StatusCallback done) = 0;
  // Stops serving every version of `name`; requests in flight finish. Returns at once.
  virtual void UnloadModelAsync(std::string_view name, StatusCallback done) = 0;

  // The system shared-memory extension. Inputs and requested outputs whose parameters name
  // a registered region are read from / written to it by InferAsync. Register: AlreadyExists
  // for a name in use, InvalidArgument for an object that cannot be mapped as asked,
  // ResourceExhausted past the server's bound. Unregister ("" = all) and status ("" = all):
  // NotFound for an unknown name. A region unregistered while requests use it stays mapped
  // until they finish.
  virtual absl::Status RegisterSystemSharedMemory(const SharedMemoryRegion& region) = 0;
  virtual absl::Status UnregisterSystemSharedMemory(std::string_view name) = 0;
  virtual absl::StatusOr<std::vector<SharedMemoryRegion>> SystemSharedMemoryStatus(
      std::string_view name) const = 0;

  // The logging extension: the current settings, and a change applied at once (all of it
  // or, with InvalidArgument naming the setting, none of it).
  virtual LogSettings GetLogSettings() const = 0;
  virtual absl::StatusOr<LogSettings> UpdateLogSettings(const LogSettingsUpdate& update) = 0;

  // The trace extension: the settings of `model` ("" = the global ones; a model without
  // settings of its own has the global ones), and a change (all of it or, with
  // InvalidArgument naming the setting, none of it). NotFound for an unknown model.
  virtual absl::StatusOr<TraceSettingsMap> GetTraceSettings(std::string_view model) const {
    (void)model;
    return absl::UnimplementedError("the trace extension is not available");
  }
  virtual absl::StatusOr<TraceSettingsMap> UpdateTraceSettings(std::string_view model,
                                                               const TraceSettingsMap& update) {
    (void)model;
    (void)update;
    return absl::UnimplementedError("the trace extension is not available");
  }

  // Validates and queues `request`; `done` runs exactly once (see the file comment).
  virtual void InferAsync(std::unique_ptr<InferRequest>&& request, InferCallback&& done) = 0;
};

}  // namespace tensord
