#include "runtime/xgboost/booster_traits.h"

#include <charconv>
#include <cmath>
#include <optional>
#include <vector>

#include "core/status_util.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "runtime/xgboost/json_text.h"

namespace tensord::runtime::xgboost {
namespace {

using nlohmann::json;

std::optional<json> ParseJson(std::string_view text) {
  json parsed = json::parse(StrictJson(text), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

std::optional<int64_t> ToInt(std::string_view text) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Values in XGBoost's configuration JSON are strings ("num_class": "3").
int64_t ConfigInt(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return 0;
  return ToInt(it->get<std::string>()).value_or(0);
}

absl::Status ReadConfig(Booster& booster, std::string_view path, BoosterTraits& traits,
                        int64_t& num_class) {
  absl::StatusOr<std::string> text = booster.JsonConfig();
  if (!text.ok()) return text.status();
  std::optional<json> config = ParseJson(*text);
  const json* learner = nullptr;
  if (config && config->is_object() && config->contains("learner")) learner = &(*config)["learner"];
  if (learner == nullptr || !learner->is_object()) {
    return absl::InternalError(
        fmt::format("XGBoost model '{}': its configuration has no learner section", path));
  }
  const json& objective = learner->value("objective", json::object());
  traits.objective = objective.is_object() ? objective.value("name", "") : "";
  num_class = ConfigInt(learner->value("learner_model_param", json::object()), "num_class");
  return absl::OkStatus();
}

absl::Status ReadSklearnMetadata(Booster& booster, std::string_view path, BoosterTraits& traits,
                                 int64_t& meta_classes) {
  absl::StatusOr<std::optional<std::string>> text = booster.Attribute("scikit_learn");
  if (!text.ok()) return text.status();
  if (!text->has_value()) return absl::OkStatus();
  std::optional<json> meta = ParseJson(**text);
  if (!meta || !meta->is_object()) {
    return absl::InvalidArgumentError(
        fmt::format("XGBoost model '{}': its scikit_learn attribute is not a JSON object", path));
  }
  if (auto it = meta->find("_estimator_type"); it != meta->end() && it->is_string()) {
    traits.estimator_type = it->get<std::string>();
  }
  if (auto it = meta->find("n_classes_"); it != meta->end() && it->is_number_integer()) {
    meta_classes = it->get<int64_t>();
  }
  if (auto it = meta->find("missing"); it != meta->end() && it->is_number()) {
    traits.missing = static_cast<float>(it->get<double>());
  }
  return absl::OkStatus();
}

absl::Status ReadBestIteration(Booster& booster, std::string_view path, BoosterTraits& traits) {
  absl::StatusOr<std::optional<std::string>> best = booster.Attribute("best_iteration");
  if (!best.ok()) return best.status();
  if (!best->has_value()) return absl::OkStatus();
  std::optional<int64_t> value = ToInt(**best);
  if (!value || *value < 0) {
    return absl::InvalidArgumentError(fmt::format(
        "XGBoost model '{}': attribute best_iteration is '{}', not a round number", path, **best));
  }
  traits.iteration_end = *value + 1;
  return absl::OkStatus();
}

// Output width of value or margin predictions, from a one-row prediction of missing values.
absl::StatusOr<int64_t> ProbeColumns(Booster& booster, const BoosterTraits& traits, bool margin,
                                     std::string_view path) {
  std::vector<float> row(std::max<int64_t>(traits.num_features, 1),
                         std::numeric_limits<float>::quiet_NaN());
  absl::StatusOr<DensePrediction> prediction =
      booster.PredictDense(row.data(), 1, traits.num_features, PredictionConfig(traits, margin));
  if (!prediction.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("XGBoost model '{}' cannot predict: {}", path, Message(prediction.status())));
  }
  if (prediction->shape.empty() || prediction->shape.front() != 1) {
    return absl::InternalError(fmt::format(
        "XGBoost model '{}': a one-row prediction has an unexpected shape of {} dimensions", path,
        prediction->shape.size()));
  }
  int64_t columns = 1;
  for (size_t d = 1; d < prediction->shape.size(); ++d) columns *= prediction->shape[d];
  return columns;
}

}  // namespace

bool BoosterTraits::classification_objective() const {
  return objective.starts_with("binary:") || objective.starts_with("multi:");
}

std::string PredictionConfig(const BoosterTraits& traits, bool margin) {
  const std::string missing = std::isnan(traits.missing)
                                  ? std::string("NaN")
                                  : fmt::format("{}", static_cast<double>(traits.missing));
  return fmt::format(
      R"({{"type": {}, "training": false, "iteration_begin": 0, "iteration_end": {}, )"
      R"("strict_shape": false, "missing": {}, "cache_id": 0}})",
      margin ? 1 : 0, traits.iteration_end, missing);
}

absl::StatusOr<BoosterTraits> ReadBoosterTraits(Booster& booster, std::string_view path) {
  BoosterTraits traits;
  absl::StatusOr<int64_t> features = booster.NumFeatures();
  if (!features.ok()) return features.status();
  traits.num_features = *features;
  if (traits.num_features < 1) {
    return absl::InvalidArgumentError(
        fmt::format("XGBoost model '{}' has no features (is it trained?)", path));
  }
  int64_t num_class = 0;
  if (absl::Status s = ReadConfig(booster, path, traits, num_class); !s.ok()) return s;
  int64_t meta_classes = 0;
  if (absl::Status s = ReadSklearnMetadata(booster, path, traits, meta_classes); !s.ok()) return s;
  if (absl::Status s = ReadBestIteration(booster, path, traits); !s.ok()) return s;
  if (meta_classes > 0) {
    traits.num_classes = meta_classes;
  } else if (traits.classifier() || traits.classification_objective()) {
    traits.num_classes = std::max<int64_t>(num_class, 2);  // binary: num_class is 0
  }
  for (bool margin : {false, true}) {
    absl::StatusOr<int64_t> columns = ProbeColumns(booster, traits, margin, path);
    if (!columns.ok()) return columns.status();
    (margin ? traits.margin_columns : traits.value_columns) = *columns;
  }
  return traits;
}

}  // namespace tensord::runtime::xgboost
