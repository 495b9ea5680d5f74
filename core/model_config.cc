#include "core/model_config.h"

namespace tensord {

Shape FullShape(const ModelConfig& config, const TensorConfig& tensor) {
  if (config.max_batch_size <= 0) return tensor.dims;
  Shape shape;
  shape.reserve(tensor.dims.size() + 1);
  shape.push_back(-1);
  shape.insert(shape.end(), tensor.dims.begin(), tensor.dims.end());
  return shape;
}

ModelMetadata MetadataFromConfig(const ModelConfig& config, std::vector<std::string> versions) {
  ModelMetadata metadata;
  metadata.name = config.name;
  metadata.versions = std::move(versions);
  metadata.platform = config.platform;
  for (const TensorConfig& input : config.inputs) {
    metadata.inputs.push_back({input.name, input.datatype, FullShape(config, input)});
  }
  for (const TensorConfig& output : config.outputs) {
    metadata.outputs.push_back({output.name, output.datatype, FullShape(config, output)});
  }
  return metadata;
}

}  // namespace tensord
