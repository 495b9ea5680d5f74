#include "runtime/xgboost/xgboost_test_util.h"

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include "gtest/gtest.h"
#include "runtime/xgboost/xgboost_runtime.h"

namespace tensord::runtime::xgboost {

std::filesystem::path TestdataDir() { return TENSORD_XGBOOST_TESTDATA; }

const nlohmann::json& Expected() {
  static const nlohmann::json* expected = [] {
    std::ifstream in(TestdataDir() / "expected.json");
    std::stringstream text;
    text << in.rdbuf();
    return new nlohmann::json(nlohmann::json::parse(text.str()));
  }();
  return *expected;
}

int64_t TestFeatures() { return Expected()["features"].get<int64_t>(); }

std::vector<std::vector<float>> TestRows() {
  std::vector<std::vector<float>> rows;
  for (const auto& row : Expected()["rows"]) {
    std::vector<float> values;
    for (const auto& v : row) {
      values.push_back(v.is_null() ? std::numeric_limits<float>::quiet_NaN() : v.get<float>());
    }
    rows.push_back(values);
  }
  return rows;
}

std::vector<std::vector<int32_t>> TestIntRows() {
  return Expected()["int_rows"].get<std::vector<std::vector<int32_t>>>();
}

absl::StatusOr<ModelPtr> LoadModelAt(const std::filesystem::path& path, ModelConfig config) {
  static RuntimeRegistry* registry = [] {
    auto* r = new RuntimeRegistry;
    EXPECT_TRUE(RegisterXgboostRuntime(*r).ok());
    return r;
  }();
  if (config.name.empty()) config.name = "m";
  return registry->Find(kPlatform)->Load(config, path);
}

absl::StatusOr<ModelPtr> LoadTestModel(const std::string& file, ModelConfig config) {
  return LoadModelAt(TestdataDir() / file, std::move(config));
}

template <typename T>
Tensor Rows(const std::string& name, DataType type, const std::vector<std::vector<T>>& rows) {
  std::vector<std::byte> bytes;
  const int64_t columns = rows.empty() ? 0 : static_cast<int64_t>(rows.front().size());
  for (const auto& row : rows) {
    for (T v : row) {
      const size_t at = bytes.size();
      bytes.resize(at + sizeof(T));
      std::memcpy(bytes.data() + at, &v, sizeof(T));
    }
  }
  return Tensor{.name = name,
                .datatype = type,
                .shape = {static_cast<int64_t>(rows.size()), columns},
                .data = Buffer::FromVector(std::move(bytes))};
}
template Tensor Rows<float>(const std::string&, DataType, const std::vector<std::vector<float>>&);
template Tensor Rows<double>(const std::string&, DataType, const std::vector<std::vector<double>>&);
template Tensor Rows<int32_t>(const std::string&, DataType,
                              const std::vector<std::vector<int32_t>>&);

Tensor Fp32Rows(const std::string& name, const std::vector<std::vector<float>>& rows) {
  return Rows<float>(name, DataType::kFp32, rows);
}

std::vector<double> Values(const Tensor& tensor) {
  std::vector<double> out;
  const Buffer& data = tensor.data;
  switch (tensor.datatype) {
    case DataType::kFp32:
      for (size_t i = 0; i < data.size() / 4; ++i) out.push_back(data.Read<float>(i));
      break;
    case DataType::kFp64:
      for (size_t i = 0; i < data.size() / 8; ++i) out.push_back(data.Read<double>(i));
      break;
    case DataType::kInt32:
      for (size_t i = 0; i < data.size() / 4; ++i) out.push_back(data.Read<int32_t>(i));
      break;
    case DataType::kInt64:
      for (size_t i = 0; i < data.size() / 8; ++i) {
        out.push_back(static_cast<double>(data.Read<int64_t>(i)));
      }
      break;
    default:
      ADD_FAILURE() << "unexpected datatype " << DataTypeName(tensor.datatype);
  }
  return out;
}

absl::StatusOr<std::vector<Tensor>> ExecuteOn(Instance& instance, std::vector<Tensor> inputs,
                                              const std::vector<std::string>& outputs) {
  return instance.Execute(inputs, outputs);
}

std::filesystem::path FreshDir(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                                    ("tensord_xgboost_" + std::to_string(::getpid())) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace tensord::runtime::xgboost
