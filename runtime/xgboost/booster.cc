#include "runtime/xgboost/booster.h"

#include "fmt/format.h"
#include "runtime/xgboost/xgb_status.h"
#include "xgboost/c_api.h"

namespace tensord::runtime::xgboost {

void Booster::Free::operator()(void* handle) const { XGBoosterFree(handle); }

absl::StatusOr<Booster> Booster::Create() {
  BoosterHandle handle = nullptr;
  if (absl::Status s = XgbCheck(XGBoosterCreate(nullptr, 0, &handle), XgbPhase::kOther,
                                "creating an XGBoost booster");
      !s.ok()) {
    return s;
  }
  return Booster(handle);
}

absl::StatusOr<Booster> Booster::LoadFile(const std::filesystem::path& path) {
  absl::StatusOr<Booster> booster = Create();
  if (!booster.ok()) return booster.status();
  if (absl::Status s =
          XgbCheck(XGBoosterLoadModel(booster->handle_.get(), path.c_str()), XgbPhase::kLoad,
                   fmt::format("cannot load XGBoost model '{}'", path.string()));
      !s.ok()) {
    return s;
  }
  return booster;
}

absl::StatusOr<Booster> Booster::Deserialize(std::string_view bytes) {
  absl::StatusOr<Booster> booster = Create();
  if (!booster.ok()) return booster.status();
  if (absl::Status s = XgbCheck(
          XGBoosterUnserializeFromBuffer(booster->handle_.get(), bytes.data(), bytes.size()),
          XgbPhase::kOther, "copying an XGBoost booster");
      !s.ok()) {
    return s;
  }
  return booster;
}

absl::StatusOr<std::string> Booster::Serialize() const {
  bst_ulong size = 0;
  const char* data = nullptr;
  if (absl::Status s = XgbCheck(XGBoosterSerializeToBuffer(handle_.get(), &size, &data),
                                XgbPhase::kOther, "serializing an XGBoost booster");
      !s.ok()) {
    return s;
  }
  return std::string(data, size);
}

absl::StatusOr<std::string> Booster::SaveJson() const {
  bst_ulong size = 0;
  const char* data = nullptr;
  if (absl::Status s =
          XgbCheck(XGBoosterSaveModelToBuffer(handle_.get(), R"({"format": "json"})", &size, &data),
                   XgbPhase::kOther, "exporting an XGBoost model as JSON");
      !s.ok()) {
    return s;
  }
  return std::string(data, size);
}

absl::StatusOr<std::string> Booster::JsonConfig() const {
  bst_ulong size = 0;
  const char* data = nullptr;
  if (absl::Status s = XgbCheck(XGBoosterSaveJsonConfig(handle_.get(), &size, &data),
                                XgbPhase::kOther, "reading the XGBoost configuration");
      !s.ok()) {
    return s;
  }
  return std::string(data, size);
}

absl::StatusOr<std::optional<std::string>> Booster::Attribute(const std::string& key) const {
  const char* value = nullptr;
  int found = 0;
  if (absl::Status s = XgbCheck(XGBoosterGetAttr(handle_.get(), key.c_str(), &value, &found),
                                XgbPhase::kOther, fmt::format("reading attribute '{}'", key));
      !s.ok()) {
    return s;
  }
  if (found == 0 || value == nullptr) return std::optional<std::string>();
  return std::optional<std::string>(value);
}

absl::StatusOr<int64_t> Booster::NumFeatures() const {
  bst_ulong features = 0;
  if (absl::Status s = XgbCheck(XGBoosterGetNumFeature(handle_.get(), &features), XgbPhase::kOther,
                                "reading the number of features");
      !s.ok()) {
    return s;
  }
  return static_cast<int64_t>(features);
}

absl::Status Booster::SetParam(const std::string& name, const std::string& value) {
  return XgbCheck(XGBoosterSetParam(handle_.get(), name.c_str(), value.c_str()), XgbPhase::kOther,
                  fmt::format("setting XGBoost parameter {}={}", name, value));
}

absl::StatusOr<DensePrediction> Booster::PredictDense(const float* data, int64_t rows, int64_t cols,
                                                      const std::string& config_json) {
  // NumPy's array interface (version 3), which is how XGBoost takes dense data.
  const std::string array =
      fmt::format(R"({{"data": [{}, true], "shape": [{}, {}], "typestr": "<f4", "version": 3}})",
                  reinterpret_cast<uintptr_t>(data), rows, cols);
  const bst_ulong* shape = nullptr;
  bst_ulong dims = 0;
  const float* values = nullptr;
  if (absl::Status s =
          XgbCheck(XGBoosterPredictFromDense(handle_.get(), array.c_str(), config_json.c_str(),
                                             nullptr, &shape, &dims, &values),
                   XgbPhase::kPredict, "XGBoost prediction failed");
      !s.ok()) {
    return s;
  }
  DensePrediction prediction;
  size_t count = 1;
  for (bst_ulong d = 0; d < dims; ++d) {
    prediction.shape.push_back(static_cast<int64_t>(shape[d]));
    count *= shape[d];
  }
  prediction.values = {values, dims == 0 ? 0 : count};
  return prediction;
}

}  // namespace tensord::runtime::xgboost
