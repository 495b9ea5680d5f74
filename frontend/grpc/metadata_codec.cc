#include "frontend/grpc/metadata_codec.h"

#include <algorithm>
#include <string>


namespace tensord::grpc {
namespace {

void TensorToProto(const TensorMetadata& tensor,
                   inference::ModelMetadataResponse::TensorMetadata* proto) {
  proto->set_name(tensor.name);
  proto->set_datatype(std::string(DataTypeName(tensor.datatype)));
  proto->mutable_shape()->Add(tensor.shape.begin(), tensor.shape.end());
}

}  // namespace

void ServerMetadataToProto(const ServerMetadata& metadata,
                           inference::ServerMetadataResponse* proto) {
  proto->set_name(metadata.name);
  proto->set_version(metadata.version);
  for (const std::string& extension : metadata.extensions) proto->add_extensions(extension);
}

void ModelMetadataToProto(const ModelMetadata& metadata, inference::ModelMetadataResponse* proto) {
  proto->set_name(metadata.name);
  for (const std::string& version : metadata.versions) proto->add_versions(version);
  proto->set_platform(metadata.platform);
  for (const TensorMetadata& input : metadata.inputs) TensorToProto(input, proto->add_inputs());
  for (const TensorMetadata& output : metadata.outputs) {
    TensorToProto(output, proto->add_outputs());
  }
}

}  // namespace tensord::grpc
