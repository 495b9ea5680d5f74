#include "frontend/http/config_codec.h"

#include <algorithm>
#include <cstdint>

#include "frontend/json_writer.h"

namespace tensord::http {
namespace {

void AppendTensors(std::string& out, const std::vector<TensorConfig>& tensors, bool inputs) {
  out += '[';
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"name\":";
    AppendJsonString(out, tensors[i].name);
    out += ",\"data_type\":";
    AppendJsonString(out, DataTypeConfigName(tensors[i].datatype));
    out += ",\"dims\":";
    AppendJsonIntArray(out, tensors[i].dims);
    if (inputs) {
      out += ",\"optional\":";
      AppendJsonBool(out, tensors[i].optional);
    } else {
      out += ",\"label_filename\":";
      AppendJsonString(out, tensors[i].label_filename);
    }
    out += '}';
  }
  out += ']';
}

void AppendVersionPolicy(std::string& out, const VersionPolicy& policy) {
  switch (policy.kind) {
    case VersionPolicy::Kind::kAll:
      out += "{\"all\":{}}";
      return;
    case VersionPolicy::Kind::kLatest:
      out += "{\"latest\":{\"num_versions\":";
      AppendJsonNumber(out, policy.num_versions);
      out += "}}";
      return;
    case VersionPolicy::Kind::kSpecific:
      out += "{\"specific\":{\"versions\":[";
      for (size_t i = 0; i < policy.specific.size(); ++i) {
        if (i > 0) out += ',';
        out += policy.specific[i];  // labels of this policy are numbers (config_pbtxt.cc)
      }
      out += "]}}";
      return;
  }
}

void AppendBatching(std::string& out, const BatchingConfig& batching) {
  out += "{\"preferred_batch_size\":[";
  for (size_t i = 0; i < batching.preferred_batch_sizes.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonNumber(out, batching.preferred_batch_sizes[i]);
  }
  out += "],\"max_queue_delay_microseconds\":";
  AppendJsonNumber(out, static_cast<int64_t>(batching.max_queue_delay.count()));
  out += ",\"preserve_ordering\":";
  AppendJsonBool(out, batching.preserve_ordering);
  out += ",\"default_queue_policy\":{\"max_queue_size\":";
  AppendJsonNumber(out, batching.max_queue_size);
  out += ",\"default_timeout_microseconds\":";
  AppendJsonNumber(out, static_cast<int64_t>(batching.default_timeout.count()));
  out += "}}";
}

}  // namespace

std::string EncodeModelConfig(const ModelConfig& config) {
  std::string out;
  out.reserve(512);
  out += "{\"name\":";
  AppendJsonString(out, config.name);
  out += ",\"platform\":";
  AppendJsonString(out, config.platform);
  out += ",\"backend\":\"\",\"max_batch_size\":";
  AppendJsonNumber(out, config.max_batch_size);
  out += ",\"version_policy\":";
  AppendVersionPolicy(out, config.version_policy);
  out += ",\"input\":";
  AppendTensors(out, config.inputs, /*inputs=*/true);
  out += ",\"output\":";
  AppendTensors(out, config.outputs, /*inputs=*/false);
  out += ",\"instance_group\":[{\"name\":";
  AppendJsonString(out, config.name);
  out += ",\"count\":";
  AppendJsonNumber(out, static_cast<int64_t>(std::max(config.instance_count, 1)));
  out += ",\"kind\":\"KIND_CPU\"}]";
  if (config.batching.has_value()) {
    out += ",\"dynamic_batching\":";
    AppendBatching(out, *config.batching);
  }
  out += ",\"parameters\":{";
  bool first = true;
  for (const auto& [key, value] : config.parameters) {
    if (!first) out += ',';
    first = false;
    AppendJsonString(out, key);
    out += ":{\"string_value\":";
    AppendJsonString(out, value);
    out += '}';
  }
  out += "},\"default_model_filename\":";
  AppendJsonString(out, config.model_file);
  out += '}';
  return out;
}

}  // namespace tensord::http
