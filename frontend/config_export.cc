#include "frontend/config_export.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "fmt/format.h"
#include "frontend/json_writer.h"

namespace tensord {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Triton's enum spells types as config.pbtxt does ("TYPE_FP32", "TYPE_STRING"), which is
// exactly DataTypeConfigName; parsing the name keeps the two enums from drifting apart.
inference::DataType ConfigDataType(DataType datatype) {
  inference::DataType out = inference::TYPE_INVALID;
  const std::string_view name = DataTypeConfigName(datatype);
  if (!inference::DataType_Parse(std::string(name), &out)) return inference::TYPE_INVALID;
  return out;
}

template <typename Tensors>
auto FindGiven(const Tensors& tensors, const std::string& name) -> decltype(&tensors.Get(0)) {
  for (const auto& tensor : tensors) {
    if (tensor.name() == name) return &tensor;
  }
  return nullptr;
}

template <typename Proto>
void SetTensor(const TensorConfig& tensor, Proto* out) {
  out->set_name(tensor.name);
  out->set_data_type(ConfigDataType(tensor.datatype));
  out->clear_dims();
  out->mutable_dims()->Add(tensor.dims.begin(), tensor.dims.end());
  if (tensor.reshape.has_value()) {
    out->mutable_reshape()->clear_shape();
    out->mutable_reshape()->mutable_shape()->Add(tensor.reshape->begin(), tensor.reshape->end());
  } else {
    out->clear_reshape();
  }
}

void SetVersionPolicy(const VersionPolicy& policy, inference::ModelVersionPolicy* out) {
  out->Clear();
  switch (policy.kind) {
    case VersionPolicy::Kind::kAll:
      out->mutable_all();
      break;
    case VersionPolicy::Kind::kLatest:
      out->mutable_latest()->set_num_versions(static_cast<uint32_t>(policy.num_versions));
      break;
    case VersionPolicy::Kind::kSpecific:
      out->mutable_specific();
      for (const std::string& version : policy.specific) {
        int64_t number = 0;
        // Triton's versions are numbers; a label that is not one cannot be represented.
        if (absl::SimpleAtoi(absl::string_view(version.data(), version.size()), &number)) {
          out->mutable_specific()->add_versions(number);
        }
      }
      break;
  }
}

void SetBatching(const BatchingConfig& batching, inference::ModelDynamicBatching* out) {
  out->set_max_queue_delay_microseconds(static_cast<uint64_t>(batching.max_queue_delay.count()));
  out->clear_preferred_batch_size();
  for (int64_t size : batching.preferred_batch_sizes) {
    out->add_preferred_batch_size(static_cast<int32_t>(size));
  }
  out->set_preserve_ordering(batching.preserve_ordering);
  inference::ModelQueuePolicy* policy = out->mutable_default_queue_policy();
  policy->set_max_queue_size(static_cast<uint32_t>(batching.max_queue_size));
  policy->set_default_timeout_microseconds(static_cast<uint64_t>(batching.default_timeout.count()));
}

// --- JSON ---------------------------------------------------------------------------------

void AppendMessage(std::string& out, const Message& message);

// One value of `field`: element `index` of a repeated field, or the singular value (-1).
void AppendValue(std::string& out, const Message& message, const FieldDescriptor* field,
                 int index) {
  const Reflection* r = message.GetReflection();
  const bool one = index < 0;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      AppendJsonNumber(out, static_cast<int64_t>(one ? r->GetInt32(message, field)
                                                     : r->GetRepeatedInt32(message, field, index)));
      return;
    case FieldDescriptor::CPPTYPE_INT64:
      AppendJsonNumber(out, static_cast<int64_t>(one ? r->GetInt64(message, field)
                                                     : r->GetRepeatedInt64(message, field, index)));
      return;
    case FieldDescriptor::CPPTYPE_UINT32:
      AppendJsonNumber(out,
                       static_cast<uint64_t>(one ? r->GetUInt32(message, field)
                                                 : r->GetRepeatedUInt32(message, field, index)));
      return;
    case FieldDescriptor::CPPTYPE_UINT64:
      AppendJsonNumber(out,
                       static_cast<uint64_t>(one ? r->GetUInt64(message, field)
                                                 : r->GetRepeatedUInt64(message, field, index)));
      return;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      AppendJsonNumber(out, one ? r->GetDouble(message, field)
                                : r->GetRepeatedDouble(message, field, index));
      return;
    case FieldDescriptor::CPPTYPE_FLOAT:
      AppendJsonNumber(out, one ? r->GetFloat(message, field)
                                : r->GetRepeatedFloat(message, field, index));
      return;
    case FieldDescriptor::CPPTYPE_BOOL:
      AppendJsonBool(out,
                     one ? r->GetBool(message, field) : r->GetRepeatedBool(message, field, index));
      return;
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int number =
          one ? r->GetEnumValue(message, field) : r->GetRepeatedEnumValue(message, field, index);
      const auto* value = field->enum_type()->FindValueByNumber(number);
      if (value != nullptr) {
        AppendJsonString(out, value->name());
      } else {
        AppendJsonNumber(out, static_cast<int64_t>(number));
      }
      return;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& text = one ? r->GetStringReference(message, field, &scratch)
                                    : r->GetRepeatedStringReference(message, field, index, &scratch);
      if (field->type() == FieldDescriptor::TYPE_BYTES) {
        AppendJsonString(out, absl::Base64Escape(text));
      } else {
        AppendJsonString(out, text);
      }
      return;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      AppendMessage(out, one ? r->GetMessage(message, field)
                             : r->GetRepeatedMessage(message, field, index));
      return;
  }
}

// A map field: an object keyed by the entries' keys (as text), in key order.
void AppendMap(std::string& out, const Message& message, const FieldDescriptor* field) {
  const Reflection* r = message.GetReflection();
  const Descriptor* entry = field->message_type();
  const FieldDescriptor* key = entry->map_key();
  const FieldDescriptor* value = entry->map_value();
  std::vector<std::pair<std::string, const Message*>> entries;
  for (int i = 0; i < r->FieldSize(message, field); ++i) {
    const Message& e = r->GetRepeatedMessage(message, field, i);
    const Reflection* er = e.GetReflection();
    std::string text;
    switch (key->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        text = er->GetString(e, key);
        break;
      case FieldDescriptor::CPPTYPE_INT32:
        text = std::to_string(er->GetInt32(e, key));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        text = std::to_string(er->GetInt64(e, key));
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        text = std::to_string(er->GetUInt32(e, key));
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        text = std::to_string(er->GetUInt64(e, key));
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        text = er->GetBool(e, key) ? "true" : "false";
        break;
      default:
        continue;  // protobuf allows no other key types
    }
    entries.emplace_back(std::move(text), &e);
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  out += '{';
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(out, entries[i].first);
    out += ':';
    AppendValue(out, *entries[i].second, value, -1);
  }
  out += '}';
}

void AppendMessage(std::string& out, const Message& message) {
  const Descriptor* descriptor = message.GetDescriptor();
  const Reflection* r = message.GetReflection();
  out += '{';
  bool first = true;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    // Scalars and lists always; messages and oneof members only when set.
    if (!field->is_repeated() &&
        (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE ||
         field->containing_oneof() != nullptr) &&
        !r->HasField(message, field)) {
      continue;
    }
    if (!first) out += ',';
    first = false;
    AppendJsonString(out, field->name());
    out += ':';
    if (field->is_map()) {
      AppendMap(out, message, field);
    } else if (field->is_repeated()) {
      out += '[';
      for (int j = 0; j < r->FieldSize(message, field); ++j) {
        if (j > 0) out += ',';
        AppendValue(out, message, field, j);
      }
      out += ']';
    } else {
      AppendValue(out, message, field, -1);
    }
  }
  out += '}';
}

}  // namespace

void ModelConfigToProto(const ModelConfig& config, inference::ModelConfig* proto) {
  proto->Clear();
  // What the file said; a value that does not parse (it was written by this server from a
  // parsed proto, so it always does) leaves the completed configuration alone.
  if (!config.triton_fields.empty() && !proto->ParseFromString(config.triton_fields)) {
    proto->Clear();
  }
  const inference::ModelConfig given = *proto;

  proto->set_name(config.name);
  proto->set_platform(config.platform);
  proto->set_max_batch_size(static_cast<int32_t>(config.max_batch_size));
  SetVersionPolicy(config.version_policy, proto->mutable_version_policy());

  proto->clear_input();
  for (const TensorConfig& input : config.inputs) {
    inference::ModelInput* out = proto->add_input();
    if (const inference::ModelInput* g = FindGiven(given.input(), input.name)) *out = *g;
    SetTensor(input, out);
    out->set_optional(input.optional);
  }
  proto->clear_output();
  for (const TensorConfig& output : config.outputs) {
    inference::ModelOutput* out = proto->add_output();
    if (const inference::ModelOutput* g = FindGiven(given.output(), output.name)) *out = *g;
    SetTensor(output, out);
    out->set_label_filename(output.label_filename);
  }

  // The groups as given, completed as Triton completes them; otherwise one CPU group with
  // the instances that run the model (the service fills instance_count in).
  if (proto->instance_group_size() == 0) {
    inference::ModelInstanceGroup* group = proto->add_instance_group();
    group->set_name(config.name);
    group->set_count(std::max(config.instance_count, 1));
    group->set_kind(inference::ModelInstanceGroup::KIND_CPU);
  } else {
    for (int i = 0; i < proto->instance_group_size(); ++i) {
      inference::ModelInstanceGroup* group = proto->mutable_instance_group(i);
      if (group->name().empty()) group->set_name(fmt::format("{}_{}", config.name, i));
      if (group->count() == 0) group->set_count(1);
      if (group->kind() == inference::ModelInstanceGroup::KIND_AUTO) {
        group->set_kind(inference::ModelInstanceGroup::KIND_CPU);
      }
    }
  }

  if (config.batching.has_value()) {
    SetBatching(*config.batching, proto->mutable_dynamic_batching());
  } else {
    proto->clear_dynamic_batching();
  }
  for (const auto& [key, value] : config.parameters) {
    (*proto->mutable_parameters())[key].set_string_value(value);
  }
  if (!config.model_file.empty()) proto->set_default_model_filename(config.model_file);
}

std::string MessageToTritonJson(const google::protobuf::Message& message) {
  std::string out;
  out.reserve(1024);
  AppendMessage(out, message);
  return out;
}

std::string ModelConfigToJson(const ModelConfig& config) {
  inference::ModelConfig proto;
  ModelConfigToProto(config, &proto);
  return MessageToTritonJson(proto);
}

}  // namespace tensord
