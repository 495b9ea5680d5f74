// Corrupt model files must fail to load, never crash the server. XGBoost 1.7's UBJSON
// reader reads past the end of truncated files and both its readers overflow the stack on
// deep nesting; these tests load damaged copies of real models in-process, so a missed
// case crashes the test binary.
#include "runtime/xgboost/model_format_check.h"

#include <cstdlib>
#include <fstream>
#include <random>

#include "core/status_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/xgboost/xgboost_test_util.h"

namespace tensord::runtime::xgboost {
namespace {

using ::testing::HasSubstr;

std::string ReadTestFile(const std::string& name) {
  std::ifstream in(TestdataDir() / name, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(CheckModelFormat, AcceptsRealModels) {
  for (const char* name : {"binary.json", "binary.ubj", "binary.bst", "multiclass.ubj"}) {
    const std::string file = name;
    EXPECT_TRUE(
        CheckModelFormat(ReadTestFile(file), std::filesystem::path(file).extension().string(), file)
            .ok())
        << file;
  }
}

TEST(CheckModelFormat, RejectsTruncatedUbjson) {
  const std::string bytes = ReadTestFile("binary.ubj");
  absl::Status status = CheckModelFormat(bytes.substr(0, 100), ".ubj", "m.ubj");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(status),
              HasSubstr("cannot load XGBoost model 'm.ubj': the file is corrupt: "));
  // A UBJSON file under another extension is sniffed as XGBoost does.
  EXPECT_FALSE(CheckModelFormat(bytes.substr(0, 100), ".model", "m.model").ok());
}

TEST(CheckModelFormat, RejectsDeepNesting) {
  const std::string deep_json = "{\"a\":" + std::string(100000, '[');
  absl::Status status = CheckModelFormat(deep_json, ".json", "m.json");
  EXPECT_EQ(Message(status),
            "cannot load XGBoost model 'm.json': the file is corrupt: JSON nested deeper than 128 "
            "levels at byte 132");
  EXPECT_FALSE(CheckModelFormat(deep_json, ".bst", "m.bst").ok());
  std::string deep_ubj = "{";
  for (int i = 0; i < 1000; ++i) deep_ubj += std::string("L\0\0\0\0\0\0\0\1a{", 11);
  EXPECT_THAT(Message(CheckModelFormat(deep_ubj, ".ubj", "m.ubj")),
              HasSubstr("UBJSON nested deeper than 128 levels"));
}

// Truncations and random byte changes of every format: each load fails or succeeds (and
// then predicts), and the process survives.
TEST(CheckModelFormat, DamagedModelsNeverCrashTheLoader) {
  const std::filesystem::path dir = FreshDir("fuzz");
  // TENSORD_XGBOOST_FUZZ_ATTEMPTS and _SEED vary the run locally.
  const char* seed = std::getenv("TENSORD_XGBOOST_FUZZ_SEED");
  std::mt19937 random(seed != nullptr ? std::atoi(seed) : 7);
  const char* env = std::getenv("TENSORD_XGBOOST_FUZZ_ATTEMPTS");
  const int attempts = env != nullptr ? std::atoi(env) : 150;
  for (const char* name :
       {"binary.ubj", "multiclass.ubj", "binary.json", "binary.bst", "multiclass.bst"}) {
    const std::string original = ReadTestFile(name);
    const std::string extension = std::filesystem::path(name).extension().string();
    for (int attempt = 0; attempt < attempts; ++attempt) {
      std::string damaged = original;
      if (attempt % 2 == 0) {
        damaged.resize(random() % original.size());
      } else {
        for (int k = 0; k < 1 + attempt % 4; ++k) {
          damaged[random() % damaged.size()] = static_cast<char>(random() % 256);
        }
      }
      const std::filesystem::path path = dir / ("damaged" + extension);
      std::ofstream(path, std::ios::binary | std::ios::trunc) << damaged;
      absl::StatusOr<ModelPtr> model = LoadModelAt(path);
      if (model.ok()) {
        // A model that loads must also predict without crashing (whatever it predicts).
        absl::StatusOr<InstancePtr> instance = (*model)->CreateInstance({});
        ASSERT_TRUE(instance.ok()) << instance.status();
        std::vector<std::string> outputs;
        for (const TensorConfig& output : (*model)->config().outputs) {
          outputs.push_back(output.name);
        }
        std::vector<std::vector<float>> rows = TestRows();
        const int64_t features = (*model)->config().inputs[0].dims.back();
        for (auto& row : rows) row.resize(features, 1.0f);
        (void)ExecuteOn(**instance, {Fp32Rows("x", rows)}, outputs);
      } else {
        // Out of memory would mean XGBoost allocated what a corrupt count asked for (the
        // kernel kills the server first when memory is not limited as in this test).
        EXPECT_NE(model.status().code(), absl::StatusCode::kResourceExhausted)
            << model.status() << " " << name << " " << attempt;
        EXPECT_THAT(Message(model.status()), HasSubstr(path.string())) << name << " " << attempt;
      }
    }
  }
}

}  // namespace
}  // namespace tensord::runtime::xgboost
