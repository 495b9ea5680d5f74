// Handlers of the unary RPCs (health, metadata, configuration, statistics, and the model
// repository extension), over the service interface (core/inference_service.h). Each
// turns its results into the reply or a gRPC status. The synchronous ones answer on the
// queue thread; the repository's load and unload start the work on the service's load
// executor and answer through `done` (frontend/grpc/repository_call.h), so a load never
// holds a queue thread.
#pragma once

#include "absl/functional/any_invocable.h"
#include "core/inference_service.h"
#include "core/shared_memory_parameters.h"
#include "grpc_service.pb.h"
#include "grpcpp/support/status.h"

namespace tensord::grpc {

::grpc::Status HandleServerLive(InferenceService& service, const inference::ServerLiveRequest& request,
                                inference::ServerLiveResponse* response);
::grpc::Status HandleServerReady(InferenceService& service, const inference::ServerReadyRequest& request,
                                 inference::ServerReadyResponse* response);
// ready=false (status OK) for unknown and not-ready models alike, as Triton answers.
::grpc::Status HandleModelReady(InferenceService& service, const inference::ModelReadyRequest& request,
                                inference::ModelReadyResponse* response);
::grpc::Status HandleServerMetadata(InferenceService& service, const inference::ServerMetadataRequest& request,
                                    inference::ServerMetadataResponse* response);
::grpc::Status HandleModelMetadata(InferenceService& service, const inference::ModelMetadataRequest& request,
                                   inference::ModelMetadataResponse* response);
::grpc::Status HandleModelConfig(InferenceService& service, const inference::ModelConfigRequest& request,
                                 inference::ModelConfigResponse* response);

// Triton's statistics: every ready version (empty name), one model's, or one version's.
::grpc::Status HandleModelStatistics(InferenceService& service,
                                     const inference::ModelStatisticsRequest& request,
                                     inference::ModelStatisticsResponse* response);
// Every model version known, or only the READY ones (request.ready).
::grpc::Status HandleRepositoryIndex(InferenceService& service,
                                     const inference::RepositoryIndexRequest& request,
                                     inference::RepositoryIndexResponse* response);
// Parameter "config" (string_param): the JSON configuration override.
using GrpcDone = absl::AnyInvocable<void(::grpc::Status) &&>;
void StartRepositoryModelLoad(InferenceService& service,
                              const inference::RepositoryModelLoadRequest& request, GrpcDone done);
void StartRepositoryModelUnload(InferenceService& service,
                                const inference::RepositoryModelUnloadRequest& request,
                                GrpcDone done);

// The system shared-memory extension over the service's region registry.
::grpc::Status HandleSystemSharedMemoryStatus(InferenceService& service,
                                              const inference::SystemSharedMemoryStatusRequest& request,
                                              inference::SystemSharedMemoryStatusResponse* response);
::grpc::Status HandleSystemSharedMemoryRegister(
    InferenceService& service, const inference::SystemSharedMemoryRegisterRequest& request,
    inference::SystemSharedMemoryRegisterResponse* response);
::grpc::Status HandleSystemSharedMemoryUnregister(
    InferenceService& service, const inference::SystemSharedMemoryUnregisterRequest& request,
    inference::SystemSharedMemoryUnregisterResponse* response);

// The logging extension: an empty request reads the settings, settings in it change them.
::grpc::Status HandleLogSettings(InferenceService& service,
                                 const inference::LogSettingsRequest& request,
                                 inference::LogSettingsResponse* response);
// The trace extension: no settings reads them, settings change them (model_name: one
// model's; "": the global ones).
::grpc::Status HandleTraceSetting(InferenceService& service,
                                  const inference::TraceSettingRequest& request,
                                  inference::TraceSettingResponse* response);

// UNIMPLEMENTED: CUDA shared memory is not supported on this server (and says so).
template <typename Request, typename Response>
::grpc::Status HandleCudaSharedMemory(InferenceService&, const Request&, Response*) {
  return ::grpc::Status(::grpc::StatusCode::UNIMPLEMENTED, std::string(kCudaSharedMemoryUnsupported));
}

}  // namespace tensord::grpc
