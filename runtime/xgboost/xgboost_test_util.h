// Helpers for the XGBoost runtime tests: the models make_models.py trained at build time, and
// python3-xgboost's predictions for them (expected.json).
//
//   absl::StatusOr<ModelPtr> model = LoadTestModel("binary.json");
//   Tensor rows = Fp32Rows("x", TestRows());
//   const nlohmann::json& want = Expected()["models"]["binary.json"]["outputs"]["predict"];
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/tensor.h"
#include "nlohmann/json.hpp"
#include "runtime/runtime.h"

namespace tensord::runtime::xgboost {

std::filesystem::path TestdataDir();
const nlohmann::json& Expected();  // expected.json, parsed once
int64_t TestFeatures();            // features of every test model

// The 16 float32 rows (with NaN) and the 4 integer rows predictions were made on.
std::vector<std::vector<float>> TestRows();
std::vector<std::vector<int32_t>> TestIntRows();

// Loads testdata/`file` through the registered runtime under `config` (name "m" if unset).
absl::StatusOr<ModelPtr> LoadTestModel(const std::string& file, ModelConfig config = {});
absl::StatusOr<ModelPtr> LoadModelAt(const std::filesystem::path& path, ModelConfig config = {});

// A [rows, columns] tensor of T (FP32, FP64 or INT32) from `rows`.
template <typename T>
Tensor Rows(const std::string& name, DataType type, const std::vector<std::vector<T>>& rows);
Tensor Fp32Rows(const std::string& name, const std::vector<std::vector<float>>& rows);

// The elements of a FP32/FP64/INT32/INT64 tensor as doubles.
std::vector<double> Values(const Tensor& tensor);

// instance.Execute(inputs, outputs), for braced lists of inputs.
absl::StatusOr<std::vector<Tensor>> ExecuteOn(Instance& instance, std::vector<Tensor> inputs,
                                              const std::vector<std::string>& outputs);

// A fresh empty folder under the test temp dir.
std::filesystem::path FreshDir(const std::string& name);

}  // namespace tensord::runtime::xgboost
