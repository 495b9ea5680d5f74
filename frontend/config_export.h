// The configuration extension's answer, on both protocols: Triton's ModelConfig built from
// tensord's completed configuration over everything the model's config.pbtxt (or a load's
// JSON override) said, so fields tensord does not act on (format, optimization,
// model_warmup, response_cache, ...) come back exactly as given.
//
//   inference::ModelConfig proto;
//   ModelConfigToProto(config, &proto);        // gRPC ModelConfigResponse.config
//   std::string json = ModelConfigToJson(config);  // REST GET .../config
//
// What tensord completed or decided wins over the file: name, platform, max_batch_size,
// inputs and outputs (data_type, dims, optional, reshape, label_filename; per-tensor fields
// such as format kept from the file), version_policy, dynamic_batching's fields that tensord
// applies, parameters, default_model_filename, and one CPU instance_group with the running
// instance count when the file had none.
//
// The JSON is the protobuf JSON mapping as Triton prints it: proto field names, every
// scalar and list printed (defaults included), unset messages and oneofs left out, enums by
// name, and 64-bit integers as numbers (protobuf's own printer quotes them; Triton undoes
// that, and so do we by printing them as numbers in the first place).
#pragma once

#include <string>

#include "core/model_config.h"
#include "model_config.pb.h"

namespace tensord {

void ModelConfigToProto(const ModelConfig& config, inference::ModelConfig* proto);

std::string ModelConfigToJson(const ModelConfig& config);

// The JSON of any message by the rules above (exposed for tests).
std::string MessageToTritonJson(const google::protobuf::Message& message);

}  // namespace tensord
