// JSON of Triton's model configuration extension (GET v2/models/<m>[/versions/<v>]/config):
// the completed configuration with Triton's field names, as `tritonserver` writes it.
//
//   std::string json = EncodeModelConfig(config, /*instance_count=*/2);
//   // {"name":"mlp","platform":"onnxruntime_onnx","backend":"","max_batch_size":8,
//   //  "version_policy":{"all":{}},"input":[{"name":"x","data_type":"TYPE_FP32",
//   //  "dims":[4],"optional":false}],"output":[...],"instance_group":[{"name":"mlp",
//   //  "count":2,"kind":"KIND_CPU"}],"dynamic_batching":{...},"parameters":{"k":
//   //  {"string_value":"v"}},"default_model_filename":""}
//
// `instance_count` is what the scheduler runs (the config may leave it to the server).
#pragma once

#include <string>

#include "core/model_config.h"

namespace tensord::http {

std::string EncodeModelConfig(const ModelConfig& config, int instance_count);

}  // namespace tensord::http
