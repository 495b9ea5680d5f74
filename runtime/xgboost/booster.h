// A move-only owner of one XGBoost Booster handle, with the few C API calls tensord needs.
//
//   absl::StatusOr<Booster> booster = Booster::LoadFile("models/iris/model.json");
//   absl::StatusOr<std::string> bytes = booster->Serialize();    // model + configuration
//   absl::StatusOr<Booster> copy = Booster::Deserialize(*bytes);  // one per instance
//   copy->SetParam("nthread", "2");
//   absl::StatusOr<DensePrediction> out = copy->PredictDense(rows_ptr, rows, cols, config_json);
//
// A Booster is used by one thread at a time (tensord gives every instance its own), which
// is what makes the prediction buffer below safe to read until the next call.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace tensord::runtime::xgboost {

// A prediction as XGBoost returns it: values owned by the Booster, valid until its next call.
struct DensePrediction {
  std::span<const float> values;
  std::vector<int64_t> shape;  // [rows] or [rows, columns] (strict_shape off)
};

class Booster {
 public:
  // The file's format follows its extension as in XGBoosterLoadModel (and so MLServer):
  // .json JSON, .ubj UBJSON, anything else the legacy binary format (or JSON, sniffed).
  // InvalidArgument with XGBoost's reason and the path when the file is corrupt.
  static absl::StatusOr<Booster> LoadFile(const std::filesystem::path& path);
  // Restores a Booster from Serialize()'s bytes.
  static absl::StatusOr<Booster> Deserialize(std::string_view bytes);

  Booster(Booster&&) = default;
  Booster& operator=(Booster&&) = default;

  absl::StatusOr<std::string> Serialize() const;
  // The model as XGBoost's JSON (XGBoosterSaveModelToBuffer, format json).
  absl::StatusOr<std::string> SaveJson() const;
  // The learner's configuration (XGBoosterSaveJsonConfig), e.g. the objective.
  absl::StatusOr<std::string> JsonConfig() const;
  // A string attribute ("scikit_learn", "best_iteration"); nullopt when not set.
  absl::StatusOr<std::optional<std::string>> Attribute(const std::string& key) const;
  absl::StatusOr<int64_t> NumFeatures() const;
  absl::Status SetParam(const std::string& name, const std::string& value);

  // Inplace prediction on `rows` x `cols` row-major float32 values (XGBoosterPredictFromDense).
  // `config_json` is XGBoost's prediction configuration ("type", "missing", iterations, ...).
  absl::StatusOr<DensePrediction> PredictDense(const float* data, int64_t rows, int64_t cols,
                                               const std::string& config_json);

 private:
  struct Free {
    void operator()(void* handle) const;
  };
  explicit Booster(void* handle) : handle_(handle) {}
  static absl::StatusOr<Booster> Create();

  std::unique_ptr<void, Free> handle_;
};

}  // namespace tensord::runtime::xgboost
