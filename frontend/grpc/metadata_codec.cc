#include "frontend/grpc/metadata_codec.h"

#include <algorithm>
#include <string>

#include "absl/strings/numbers.h"

namespace tensord::grpc {
namespace {

void TensorToProto(const TensorMetadata& tensor,
                   inference::ModelMetadataResponse::TensorMetadata* proto) {
  proto->set_name(tensor.name);
  proto->set_datatype(std::string(DataTypeName(tensor.datatype)));
  proto->mutable_shape()->Add(tensor.shape.begin(), tensor.shape.end());
}

// Triton's enum spells types as config.pbtxt does ("TYPE_FP32", "TYPE_STRING"), which is
// exactly DataTypeConfigName; parsing the name keeps the two enums from drifting apart.
inference::DataType ConfigDataType(DataType datatype) {
  inference::DataType out = inference::TYPE_INVALID;
  const std::string_view name = DataTypeConfigName(datatype);
  if (!inference::DataType_Parse(std::string(name), &out)) return inference::TYPE_INVALID;
  return out;
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

void ModelConfigToProto(const ModelConfig& config, inference::ModelConfig* proto) {
  proto->set_name(config.name);
  proto->set_platform(config.platform);
  proto->set_max_batch_size(static_cast<int32_t>(config.max_batch_size));
  inference::ModelVersionPolicy* policy = proto->mutable_version_policy();
  switch (config.version_policy.kind) {
    case VersionPolicy::Kind::kAll:
      policy->mutable_all();
      break;
    case VersionPolicy::Kind::kLatest:
      policy->mutable_latest()->set_num_versions(
          static_cast<uint32_t>(config.version_policy.num_versions));
      break;
    case VersionPolicy::Kind::kSpecific:
      for (const std::string& version : config.version_policy.specific) {
        int64_t number = 0;
        // Triton's versions are numbers; a label that is not one cannot be represented.
        if (absl::SimpleAtoi(absl::string_view(version.data(), version.size()), &number))
          policy->mutable_specific()->add_versions(number);
      }
      break;
  }
  for (const TensorConfig& input : config.inputs) {
    inference::ModelInput* out = proto->add_input();
    out->set_name(input.name);
    out->set_data_type(ConfigDataType(input.datatype));
    out->mutable_dims()->Add(input.dims.begin(), input.dims.end());
    out->set_optional(input.optional);
  }
  for (const TensorConfig& output : config.outputs) {
    inference::ModelOutput* out = proto->add_output();
    out->set_name(output.name);
    out->set_data_type(ConfigDataType(output.datatype));
    out->mutable_dims()->Add(output.dims.begin(), output.dims.end());
    out->set_label_filename(output.label_filename);
  }
  // The instances that run the model (the service fills instance_count in), as REST says.
  inference::ModelInstanceGroup* group = proto->add_instance_group();
  group->set_name(config.name);
  group->set_count(std::max(config.instance_count, 1));
  group->set_kind(inference::ModelInstanceGroup::KIND_CPU);
  if (config.batching.has_value()) {
    const BatchingConfig& batching = *config.batching;
    inference::ModelDynamicBatching* out = proto->mutable_dynamic_batching();
    out->set_max_queue_delay_microseconds(static_cast<uint64_t>(batching.max_queue_delay.count()));
    for (int64_t size : batching.preferred_batch_sizes) {
      out->add_preferred_batch_size(static_cast<int32_t>(size));
    }
    out->set_preserve_ordering(batching.preserve_ordering);
    inference::ModelQueuePolicy* policy = out->mutable_default_queue_policy();
    policy->set_max_queue_size(static_cast<uint32_t>(batching.max_queue_size));
    policy->set_default_timeout_microseconds(
        static_cast<uint64_t>(batching.default_timeout.count()));
  }
  for (const auto& [key, value] : config.parameters) {
    (*proto->mutable_parameters())[key].set_string_value(value);
  }
  if (!config.model_file.empty()) proto->set_default_model_filename(config.model_file);
}

}  // namespace tensord::grpc
