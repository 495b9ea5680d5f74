// Server/model metadata and model configuration → their gRPC messages.
//
//   ServerMetadataToProto(service.Metadata(), &reply);
//   ModelMetadataToProto(*metadata, &reply);
//   ModelConfigToProto(*config, reply.mutable_config());
//
// ModelConfigToProto writes Triton's ModelConfig back from tensord's completed config:
// name, platform, max_batch_size, inputs/outputs (data_type, dims, optional), one CPU
// instance_group with the instance count, dynamic_batching when batching is on,
// parameters, default_model_filename.
#pragma once

#include "core/model_config.h"
#include "core/inference_service.h"
#include "grpc_service.pb.h"

namespace tensord::grpc {

void ServerMetadataToProto(const ServerMetadata& metadata,
                           inference::ServerMetadataResponse* proto);
void ModelMetadataToProto(const ModelMetadata& metadata, inference::ModelMetadataResponse* proto);
void ModelConfigToProto(const ModelConfig& config, inference::ModelConfig* proto);

}  // namespace tensord::grpc
