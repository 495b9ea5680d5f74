// Server/model metadata and model configuration → their gRPC messages.
//
//   ServerMetadataToProto(service.Metadata(), &reply);
//   ModelMetadataToProto(*metadata, &reply);
//   ModelConfigToProto(*config, reply.mutable_config());   // frontend/config_export.h
#pragma once

#include "core/model_config.h"
#include "core/inference_service.h"
#include "frontend/config_export.h"
#include "grpc_service.pb.h"

namespace tensord::grpc {

void ServerMetadataToProto(const ServerMetadata& metadata,
                           inference::ServerMetadataResponse* proto);
void ModelMetadataToProto(const ModelMetadata& metadata, inference::ModelMetadataResponse* proto);

}  // namespace tensord::grpc
