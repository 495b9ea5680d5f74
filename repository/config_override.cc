#include "repository/config_override.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <string>

#include "core/status_util.h"
#include "fmt/format.h"
#include "model_config.pb.h"
#include "nlohmann/json.hpp"
#include "repository/config_pbtxt.h"
#include "repository/instance_limit.h"
#include "repository/nesting_depth.h"
#include "repository/path_containment.h"
#include "scheduler/duration.h"

namespace tensord {
namespace {

// The Triton fields the configuration extension returns after the override: the base's,
// with each top-level field the override gives replaced (parameters merged, as applied).
std::string MergeTritonFields(const std::string& base, const std::string& given) {
  inference::ModelConfig merged;
  inference::ModelConfig over;
  if (!merged.ParseFromString(base)) merged.Clear();
  if (!over.ParseFromString(given)) return merged.SerializeAsString();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  over.GetReflection()->ListFields(over, &fields);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    if (field->name() != "parameters") merged.GetReflection()->ClearField(&merged, field);
  }
  merged.MergeFrom(over);
  return merged.SerializeAsString();
}

constexpr std::string_view kSource = "config override";

absl::Status Invalid(std::string_view message) {
  return absl::InvalidArgumentError(fmt::format("{}: {}", kSource, message));
}

// Reads an MLServer field; InvalidArgument when it is not a non-negative number.
absl::StatusOr<double> NonNegative(const nlohmann::json& value, std::string_view field) {
  if (!value.is_number() || value.get<double>() < 0) {
    return Invalid(fmt::format("{} must be a number >= 0, got {}", field, value.dump()));
  }
  return value.get<double>();
}

// parallel_workers: a whole number of instances within the server's limit.
absl::StatusOr<int> Workers(const nlohmann::json& value, int max_instances) {
  absl::StatusOr<double> workers = NonNegative(value, "parallel_workers");
  if (!workers.ok()) return workers.status();
  if (!value.is_number_integer()) {
    return Invalid(fmt::format("parallel_workers must be a whole number, got {}", value.dump()));
  }
  // NonNegative refused negative values, so the count reads as unsigned.
  const uint64_t count = value.get<uint64_t>();
  if (absl::Status s = CheckInstanceCount(count, max_instances, kSource, "parallel_workers");
      !s.ok()) {
    return s;
  }
  return static_cast<int>(count);
}

bool SameVersionPolicy(const VersionPolicy& a, const VersionPolicy& b) {
  if (a.kind != b.kind) return false;
  if (a.kind == VersionPolicy::Kind::kLatest) return a.num_versions == b.num_versions;
  if (a.kind == VersionPolicy::Kind::kSpecific) return a.specific == b.specific;
  return true;
}

// Whether a fixed field of the override says what the folder was planned with.
bool SameAsPlanned(std::string_view field, const nlohmann::json& value, const ModelConfig& base,
                   const ConfigOverrideOptions& options) {
  if (field == "version_policy") {
    nlohmann::json wrapped = {{"version_policy", value}};
    absl::StatusOr<ModelConfig> parsed = ParseTritonConfigJson(wrapped.dump(), kSource);
    return parsed.ok() && SameVersionPolicy(parsed->version_policy, base.version_policy);
  }
  if (!value.is_string()) return false;
  const std::string text = value.get<std::string>();
  if (field == "default_model_filename") return text == base.model_file;
  // platform or backend ("" is what /config says for one the model does not set)
  if (text.empty() || text == base.platform) return true;
  if (options.planned_platforms.empty() || !options.canonical) return false;
  const std::string canonical = options.canonical(text);
  return !canonical.empty() &&
         std::all_of(options.planned_platforms.begin(), options.planned_platforms.end(),
                     [&](const std::string& planned) { return planned == canonical; });
}

}  // namespace

absl::StatusOr<ModelConfig> ApplyConfigOverride(const ModelConfig& base, std::string_view json,
                                                std::string_view model_name,
                                                const ConfigOverrideOptions& options) {
  // Before nlohmann: dump() below recurses once per level (100,000 levels crashed the server).
  if (absl::Status s = CheckNestingDepth(json, Syntax::kJson, kSource); !s.ok()) return s;
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Invalid("not valid JSON");
  if (!doc.is_object()) return Invalid(fmt::format("must be a JSON object, got {}", doc.dump()));

  for (std::string_view fixed :
       {"version_policy", "platform", "backend", "default_model_filename"}) {
    auto it = doc.find(fixed);
    if (it == doc.end()) continue;
    if (!SameAsPlanned(fixed, *it, base, options)) {
      return Invalid(fmt::format(
          "field '{}' ({}) differs from what the model has and cannot be changed at load time; "
          "change the model's config file",
          fixed, it->dump()));
    }
    doc.erase(it);  // equal to what is planned: nothing to change
  }
  ModelConfig config = base;
  // MLServer's names first; what is left must be Triton's.
  std::optional<double> max_batch_time;
  if (auto it = doc.find("parallel_workers"); it != doc.end()) {
    absl::StatusOr<int> workers = Workers(*it, options.max_instances);
    if (!workers.ok()) return workers.status();
    config.instance_count = *workers;
    doc.erase(it);
  }
  if (auto it = doc.find("max_batch_time"); it != doc.end()) {
    absl::StatusOr<double> seconds = NonNegative(*it, "max_batch_time");
    if (!seconds.ok()) return seconds.status();
    if (absl::Status s = scheduler::BatchDelayFromSeconds(*seconds, "max_batch_time").status();
        !s.ok()) {
      return Annotate(s, kSource);
    }
    max_batch_time = *seconds;
    doc.erase(it);
  }
  if (auto it = doc.find("name"); it != doc.end()) {
    if (!it->is_string() || it->get<std::string>() != model_name) {
      return Invalid(fmt::format("name {} does not match the model being loaded, '{}'", it->dump(),
                                 model_name));
    }
  }

  absl::StatusOr<ModelConfig> given = ParseTritonConfigJson(doc.dump(), kSource);
  if (!given.ok()) return given.status();
  // Checked on what the parser produced, so that no spelling of the key slips through.
  for (const auto& [key, value] : given->parameters) {
    if (IsPathParameter(key)) {
      return Invalid(fmt::format(
          "parameter '{}' names a file on the server and cannot be set by a load request; set "
          "it in the model's config file",
          key));
    }
  }
  if (doc.contains("instance_group")) {
    if (absl::Status s = CheckInstanceCount(static_cast<uint64_t>(given->instance_count),
                                            options.max_instances, kSource, "instance_group count");
        !s.ok()) {
      return s;
    }
  }
  if (doc.contains("max_batch_size")) config.max_batch_size = given->max_batch_size;
  if (doc.contains("input")) config.inputs = given->inputs;
  if (doc.contains("output")) config.outputs = given->outputs;
  if (doc.contains("instance_group")) config.instance_count = given->instance_count;
  if (doc.contains("dynamic_batching")) config.batching = given->batching;
  if (doc.contains("parameters")) {
    for (const auto& [key, value] : given->parameters) config.parameters[key] = value;
  }
  config.triton_fields = MergeTritonFields(base.triton_fields, given->triton_fields);
  if (max_batch_time.has_value()) {
    if (*max_batch_time > 0) {
      if (!config.batching.has_value()) config.batching.emplace();
      config.batching->max_queue_delay =
          *scheduler::BatchDelayFromSeconds(*max_batch_time, "max_batch_time");
    } else {
      config.batching.reset();
    }
  }
  return config;
}

}  // namespace tensord
