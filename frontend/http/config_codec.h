// JSON of Triton's model configuration extension (GET v2/models/<m>[/versions/<v>]/config),
// built by frontend/config_export.h over every field the model's config.pbtxt gave:
// the completed configuration with Triton's field names, as `tritonserver` writes it.
//
//   std::string json = EncodeModelConfig(config);
//   // {"name":"mlp","platform":"onnxruntime_onnx","backend":"","max_batch_size":8,
//   //  "version_policy":{"all":{}},"input":[{"name":"x","data_type":"TYPE_FP32",
//   //  "dims":[4],"optional":false}],"output":[...],"instance_group":[{"name":"mlp",
//   //  "count":2,"kind":"KIND_CPU"}],"dynamic_batching":{...},"parameters":{"k":
//   //  {"string_value":"v"}},"default_model_filename":""}
//
// config.instance_count is the number of instances that run the model (the service fills
// it in; the config file may leave it to the server).
#pragma once

#include <string>

#include "core/model_config.h"

namespace tensord::http {

std::string EncodeModelConfig(const ModelConfig& config);

}  // namespace tensord::http
