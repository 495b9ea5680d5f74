#include "repository/config_override.h"

#include <optional>
#include <string>

#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "repository/config_pbtxt.h"

namespace tensord {
namespace {

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

}  // namespace

absl::StatusOr<ModelConfig> ApplyConfigOverride(const ModelConfig& base, std::string_view json,
                                                std::string_view model_name) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Invalid("not valid JSON");
  if (!doc.is_object()) return Invalid(fmt::format("must be a JSON object, got {}", doc.dump()));

  for (std::string_view fixed :
       {"version_policy", "platform", "backend", "default_model_filename"}) {
    if (doc.contains(fixed)) {
      return Invalid(fmt::format(
          "field '{}' cannot be overridden at load time; change the model's config file", fixed));
    }
  }
  ModelConfig config = base;
  // MLServer's names first; what is left must be Triton's.
  std::optional<double> max_batch_time;
  if (auto it = doc.find("parallel_workers"); it != doc.end()) {
    absl::StatusOr<double> workers = NonNegative(*it, "parallel_workers");
    if (!workers.ok()) return workers.status();
    config.instance_count = static_cast<int>(*workers);
    doc.erase(it);
  }
  if (auto it = doc.find("max_batch_time"); it != doc.end()) {
    absl::StatusOr<double> seconds = NonNegative(*it, "max_batch_time");
    if (!seconds.ok()) return seconds.status();
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
  if (doc.contains("max_batch_size")) config.max_batch_size = given->max_batch_size;
  if (doc.contains("input")) config.inputs = given->inputs;
  if (doc.contains("output")) config.outputs = given->outputs;
  if (doc.contains("instance_group")) config.instance_count = given->instance_count;
  if (doc.contains("dynamic_batching")) config.batching = given->batching;
  if (doc.contains("parameters")) {
    for (const auto& [key, value] : given->parameters) config.parameters[key] = value;
  }
  if (max_batch_time.has_value()) {
    if (*max_batch_time > 0) {
      if (!config.batching.has_value()) config.batching.emplace();
      config.batching->max_queue_delay =
          std::chrono::microseconds(static_cast<int64_t>(*max_batch_time * 1e6));
    } else {
      config.batching.reset();
    }
  }
  return config;
}

}  // namespace tensord
