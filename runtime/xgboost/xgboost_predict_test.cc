// Predictions of every test model file, compared with python3-xgboost's (make_models.py).
#include <cmath>
#include <thread>

#include "core/status_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/xgboost/xgboost_test_util.h"

namespace tensord::runtime::xgboost {
namespace {

using ::testing::ElementsAre;

void ExpectMatches(const Tensor& got, const nlohmann::json& want, const std::string& label) {
  SCOPED_TRACE(label);
  EXPECT_EQ(DataTypeName(got.datatype), want["datatype"].get<std::string>());
  EXPECT_EQ(got.shape, want["shape"].get<Shape>());
  const std::vector<double> values = Values(got);
  const std::vector<double> expected = want["data"].get<std::vector<double>>();
  ASSERT_EQ(values.size(), expected.size());
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_NEAR(values[i], expected[i], 1e-6) << "element " << i;
  }
}

std::vector<std::string> OutputNames(const nlohmann::json& outputs) {
  std::vector<std::string> names;
  for (const auto& [name, value] : outputs.items()) names.push_back(name);
  return names;
}

class PredictTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PredictTest, MatchesPythonXgboost) {
  const std::string file = GetParam();
  const nlohmann::json& expected = Expected()["models"][file];
  absl::StatusOr<ModelPtr> model = LoadTestModel(file);
  ASSERT_TRUE(model.ok()) << model.status();
  absl::StatusOr<InstancePtr> instance = (*model)->CreateInstance({.intra_op_threads = 1});
  ASSERT_TRUE(instance.ok()) << instance.status();

  const std::vector<std::string> names = OutputNames(expected["outputs"]);
  // Any input name, as MLServer accepts; FP32 with NaN (missing values).
  absl::StatusOr<std::vector<Tensor>> outputs =
      ExecuteOn(**instance, {Fp32Rows("whatever", TestRows())}, names);
  ASSERT_TRUE(outputs.ok()) << outputs.status();
  ASSERT_EQ(outputs->size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ((*outputs)[i].name, names[i]);
    ExpectMatches((*outputs)[i], expected["outputs"][names[i]], file + " FP32 " + names[i]);
  }

  // The same rows as FP64 give the same predictions (XGBoost works in float32).
  std::vector<std::vector<double>> doubles;
  for (const auto& row : TestRows()) doubles.emplace_back(row.begin(), row.end());
  outputs = ExecuteOn(**instance, {Rows<double>("x", DataType::kFp64, doubles)}, names);
  ASSERT_TRUE(outputs.ok()) << outputs.status();
  for (size_t i = 0; i < names.size(); ++i) {
    ExpectMatches((*outputs)[i], expected["outputs"][names[i]], file + " FP64 " + names[i]);
  }

  // Integers, converted as NumPy and XGBoost convert them.
  outputs = ExecuteOn(**instance, {Rows<int32_t>("x", DataType::kInt32, TestIntRows())}, names);
  ASSERT_TRUE(outputs.ok()) << outputs.status();
  for (size_t i = 0; i < names.size(); ++i) {
    ExpectMatches((*outputs)[i], expected["int_outputs"][names[i]], file + " INT32 " + names[i]);
  }
}

INSTANTIATE_TEST_SUITE_P(AllModelFiles, PredictTest,
                         ::testing::Values("binary.json", "binary.ubj", "binary.bst",
                                           "multiclass.json", "multiclass.ubj", "multiclass.bst",
                                           "regressor.json", "regressor.ubj", "regressor.bst",
                                           "softmax.json", "early.json", "native.json"),
                         [](const auto& info) {
                           std::string name = info.param;
                           name[name.find('.')] = '_';
                           return name;
                         });

TEST(Predict, OutputsComeInTheRequestedOrder) {
  absl::StatusOr<ModelPtr> model = LoadTestModel("binary.json");
  ASSERT_TRUE(model.ok()) << model.status();
  absl::StatusOr<InstancePtr> instance = (*model)->CreateInstance({});
  ASSERT_TRUE(instance.ok());
  const std::vector<std::string> names = {"predict_proba", "predict"};
  absl::StatusOr<std::vector<Tensor>> outputs =
      ExecuteOn(**instance, {Fp32Rows("x", {TestRows()[0]})}, names);
  ASSERT_TRUE(outputs.ok()) << outputs.status();
  ASSERT_EQ(outputs->size(), 2u);
  EXPECT_EQ((*outputs)[0].name, "predict_proba");
  EXPECT_THAT((*outputs)[0].shape, ElementsAre(1, 2));
  EXPECT_EQ((*outputs)[1].name, "predict");
  EXPECT_THAT((*outputs)[1].shape, ElementsAre(1, 1));
}

TEST(Predict, ZeroRowsGiveEmptyOutputs) {
  absl::StatusOr<ModelPtr> model = LoadTestModel("multiclass.json");
  ASSERT_TRUE(model.ok()) << model.status();
  absl::StatusOr<InstancePtr> instance = (*model)->CreateInstance({});
  ASSERT_TRUE(instance.ok());
  Tensor empty{.name = "x", .datatype = DataType::kFp32, .shape = {0, TestFeatures()}};
  const std::vector<std::string> names = {"predict", "predict_proba"};
  absl::StatusOr<std::vector<Tensor>> outputs = ExecuteOn(**instance, {empty}, names);
  ASSERT_TRUE(outputs.ok()) << outputs.status();
  EXPECT_THAT((*outputs)[0].shape, ElementsAre(0, 1));
  EXPECT_THAT((*outputs)[1].shape, ElementsAre(0, 3));
}

// Instances own their Booster: several predicting at once on different threads all give
// python's answers.
TEST(Predict, InstancesPredictConcurrently) {
  absl::StatusOr<ModelPtr> model = LoadTestModel("multiclass.ubj");
  ASSERT_TRUE(model.ok()) << model.status();
  const nlohmann::json& want = Expected()["models"]["multiclass.ubj"]["outputs"]["predict_proba"];
  const std::vector<double> expected = want["data"].get<std::vector<double>>();
  constexpr int kThreads = 4;
  std::vector<InstancePtr> instances;
  for (int i = 0; i < kThreads; ++i) {
    absl::StatusOr<InstancePtr> instance = (*model)->CreateInstance({.intra_op_threads = 1});
    ASSERT_TRUE(instance.ok()) << instance.status();
    instances.push_back(*std::move(instance));
  }
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  const Tensor rows = Fp32Rows("x", TestRows());
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::vector<std::string> names = {"predict_proba"};
      for (int i = 0; i < 50; ++i) {
        absl::StatusOr<std::vector<Tensor>> out = ExecuteOn(*instances[t], {rows}, names);
        if (!out.ok()) {
          ++mismatches[t];
          continue;
        }
        const std::vector<double> got = Values(out->front());
        for (size_t k = 0; k < got.size(); ++k) {
          if (std::abs(got[k] - expected[k]) > 1e-6) ++mismatches[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_THAT(mismatches, ElementsAre(0, 0, 0, 0));
}

}  // namespace
}  // namespace tensord::runtime::xgboost
