// The configuration an XGBoost model gets: MLServer's defaults, Triton FIL configs, and
// configs that contradict the model file. Also how the model file is found.
#include <fstream>

#include "core/status_util.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/xgboost/xgboost_runtime.h"
#include "runtime/xgboost/xgboost_test_util.h"

namespace tensord::runtime::xgboost {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

ModelConfig Loaded(const std::string& file, ModelConfig config = {}) {
  absl::StatusOr<ModelPtr> model = LoadTestModel(file, std::move(config));
  EXPECT_TRUE(model.ok()) << model.status();
  return model.ok() ? (*model)->config() : ModelConfig{};
}

absl::Status LoadError(const std::string& file, ModelConfig config) {
  return LoadTestModel(file, std::move(config)).status();
}

TEST(ConfigCompletion, ClassifierGetsMlserversInputAndOutputs) {
  const ModelConfig config = Loaded("binary.json");
  ASSERT_EQ(config.inputs.size(), 1u);
  const TensorConfig& input = config.inputs[0];
  EXPECT_EQ(input.name, "input-0");
  EXPECT_EQ(input.datatype, DataType::kFp32);
  EXPECT_THAT(input.dims, ElementsAre(-1, 6));
  EXPECT_TRUE(input.accept_any_name);
  EXPECT_THAT(input.accepted_datatypes, ::testing::Contains(DataType::kFp64));
  EXPECT_THAT(input.accepted_datatypes, ::testing::Contains(DataType::kInt64));
  EXPECT_THAT(input.accepted_datatypes, ::testing::Not(::testing::Contains(DataType::kBytes)));
  ASSERT_EQ(config.outputs.size(), 2u);
  EXPECT_EQ(config.outputs[0].name, "predict");
  EXPECT_EQ(config.outputs[0].datatype, DataType::kInt64);
  EXPECT_THAT(config.outputs[0].dims, ElementsAre(-1, 1));
  EXPECT_FALSE(config.outputs[0].optional);
  EXPECT_EQ(config.outputs[1].name, "predict_proba");
  EXPECT_EQ(config.outputs[1].datatype, DataType::kFp32);
  EXPECT_THAT(config.outputs[1].dims, ElementsAre(-1, 2));
  EXPECT_TRUE(config.outputs[1].optional);  // MLServer returns `predict` alone by default
}

TEST(ConfigCompletion, MulticlassAndSoftmax) {
  ModelConfig config = Loaded("multiclass.bst");
  ASSERT_EQ(config.outputs.size(), 2u);
  EXPECT_THAT(config.outputs[1].dims, ElementsAre(-1, 3));
  config = Loaded("softmax.json");
  ASSERT_EQ(config.outputs.size(), 2u);
  EXPECT_EQ(config.outputs[0].datatype, DataType::kInt32);
  EXPECT_THAT(config.outputs[1].dims, ElementsAre(-1, 3));
}

TEST(ConfigCompletion, RegressorsAndNativeBoostersOnlyPredict) {
  for (const char* file : {"regressor.ubj", "native.json"}) {
    SCOPED_TRACE(file);
    const ModelConfig config = Loaded(file);
    ASSERT_EQ(config.outputs.size(), 1u);
    EXPECT_EQ(config.outputs[0].name, "predict");
    EXPECT_EQ(config.outputs[0].datatype, DataType::kFp32);
    EXPECT_THAT(config.outputs[0].dims, ElementsAre(-1, 1));
  }
}

TEST(ConfigCompletion, BatchingDropsTheRowDimension) {
  ModelConfig settings;
  settings.max_batch_size = 32;
  settings.batching = BatchingConfig{};
  const ModelConfig config = Loaded("binary.bst", settings);
  EXPECT_EQ(config.max_batch_size, 32);
  EXPECT_THAT(config.inputs[0].dims, ElementsAre(6));
  EXPECT_THAT(config.outputs[0].dims, ElementsAre(1));
  EXPECT_THAT(config.outputs[1].dims, ElementsAre(2));
}

TEST(ConfigCompletion, KeepsTheConfigsInputNameAndDatatype) {
  ModelConfig settings;
  settings.inputs = {{.name = "features", .datatype = DataType::kFp64, .dims = {-1, -1}}};
  const ModelConfig config = Loaded("regressor.json", settings);
  EXPECT_EQ(config.inputs[0].name, "features");
  EXPECT_EQ(config.inputs[0].datatype, DataType::kFp64);
  EXPECT_THAT(config.inputs[0].dims, ElementsAre(-1, 6));
  EXPECT_THAT(config.inputs[0].accepted_datatypes, ::testing::Contains(DataType::kFp32));
}

TEST(ConfigCompletion, ConfigsThatContradictTheModel) {
  ModelConfig settings;
  settings.source = "models/m/model-settings.json";
  settings.inputs = {{.name = "x", .datatype = DataType::kFp32, .dims = {-1, 5}}};
  absl::Status status = LoadError("binary.json", settings);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(status),
            fmt::format("model-settings.json (models/m/model-settings.json): input 'x' has dims "
                        "[-1,5], but XGBoost model '{}' takes [rows, 6] (6 features)",
                        (TestdataDir() / "binary.json").string()));

  settings.inputs = {{.name = "x", .datatype = DataType::kBytes}};
  EXPECT_EQ(Message(LoadError("binary.json", settings)),
            "model-settings.json (models/m/model-settings.json): input 'x' is declared BYTES, "
            "but XGBoost models take numbers (FP32, FP64, integers)");

  settings.inputs = {{.name = "a"}, {.name = "b"}};
  EXPECT_EQ(Message(LoadError("binary.json", settings)),
            "model-settings.json (models/m/model-settings.json): declares 2 inputs, but an "
            "XGBoost model takes one [rows, features] tensor");

  settings.inputs = {};
  settings.outputs = {{.name = "predict_proba"}};
  status = LoadError("regressor.json", settings);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(status),
              HasSubstr("output 'predict_proba' asks for class probabilities, but XGBoost model"));
  EXPECT_THAT(Message(status), HasSubstr("is not a classifier (objective 'reg:squarederror')"));

  settings.outputs = {{.name = "predict_proba", .datatype = DataType::kInt64}};
  EXPECT_THAT(Message(LoadError("binary.json", settings)),
              HasSubstr("output 'predict_proba' is declared INT64, which XGBoost model"));

  settings.outputs = {{.name = "predict_proba", .dims = {-1, 3}}};
  EXPECT_THAT(Message(LoadError("binary.json", settings)),
              HasSubstr("output 'predict_proba' has dims [-1,3], but XGBoost model"));
}

// Triton FIL: backend "fil", one output "output__0" whose meaning the parameters give.
ModelConfig FilConfig(std::map<std::string, std::string> parameters, DataType output_type,
                      Shape output_dims) {
  ModelConfig config;
  config.platform = "fil";
  config.max_batch_size = 64;
  config.inputs = {{.name = "input__0", .datatype = DataType::kFp32, .dims = {6}}};
  config.outputs = {{.name = "output__0", .datatype = output_type, .dims = std::move(output_dims)}};
  config.parameters = std::move(parameters);
  return config;
}

TEST(ConfigCompletion, TritonFilOutputs) {
  absl::StatusOr<ModelPtr> model = LoadTestModel(
      "native.json",
      FilConfig({{"predict_proba", "true"}, {"output_class", "true"}}, DataType::kFp32, {2}));
  ASSERT_TRUE(model.ok()) << model.status();
  absl::StatusOr<InstancePtr> instance = (*model)->CreateInstance({});
  ASSERT_TRUE(instance.ok());
  const std::vector<std::string> names = {"output__0"};
  absl::StatusOr<std::vector<Tensor>> out =
      ExecuteOn(**instance, {Fp32Rows("input__0", {TestRows()[0]})}, names);
  ASSERT_TRUE(out.ok()) << out.status();
  const double p = Expected()["models"]["native.json"]["outputs"]["predict"]["data"][0];
  EXPECT_THAT(Values(out->front()),
              ElementsAre(::testing::DoubleNear(1 - p, 1e-6), ::testing::DoubleNear(p, 1e-6)));

  // output_class alone: FP32 class labels, as FIL returns them.
  model = LoadTestModel("native.json", FilConfig({{"output_class", "true"}, {"threshold", "0.9"}},
                                                 DataType::kFp32, {1}));
  ASSERT_TRUE(model.ok()) << model.status();
  instance = (*model)->CreateInstance({});
  ASSERT_TRUE(instance.ok());
  out = ExecuteOn(**instance, {Fp32Rows("input__0", TestRows())}, names);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->front().datatype, DataType::kFp32);
  const auto probabilities =
      Expected()["models"]["native.json"]["outputs"]["predict"]["data"].get<std::vector<double>>();
  const std::vector<double> labels = Values(out->front());
  for (size_t i = 0; i < labels.size(); ++i) {
    EXPECT_EQ(labels[i], probabilities[i] > 0.9 ? 1.0 : 0.0) << i;
  }

  // A regressor cannot give classes.
  absl::Status status =
      LoadError("regressor.json", FilConfig({{"output_class", "true"}}, DataType::kFp32, {1}));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(status), HasSubstr("output 'output__0' asks for class labels"));
}

void Copy(const std::string& from, const std::filesystem::path& to) {
  std::filesystem::copy_file(TestdataDir() / from, to);
}

TEST(ModelFile, FolderUriFindsMlserversWellKnownNames) {
  const std::filesystem::path dir = FreshDir("folder_uri");
  Copy("binary.bst", dir / "model.bst");
  Copy("regressor.json", dir / "model.json");
  // MLServer looks for model.bst before model.json.
  const ModelConfig config = Loaded((dir).string());
  EXPECT_EQ(config.outputs.size(), 2u);  // the classifier
}

TEST(ModelFile, MissingDefaultFileFallsBackToWellKnownAndFilNames) {
  const std::filesystem::path dir = FreshDir("fallback");
  Copy("multiclass.ubj", dir / "model.ubj");
  EXPECT_TRUE(LoadModelAt(dir / "model.json").ok());

  const std::filesystem::path fil = FreshDir("fil");
  Copy("regressor.bst", fil / "xgboost.model");
  ModelConfig config;
  config.parameters["model_type"] = "xgboost";
  absl::StatusOr<ModelPtr> model = LoadModelAt(fil / "model.json", config);
  EXPECT_TRUE(model.ok()) << model.status();

  config.parameters["model_type"] = "lightgbm";
  model = LoadModelAt(fil / "model.json", config);
  EXPECT_EQ(model.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(Message(model.status()), HasSubstr("model_type 'lightgbm' is not supported"));

  model = LoadModelAt(FreshDir("empty") / "model.json");
  EXPECT_EQ(model.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Message(model.status()), HasSubstr("(looked for model.bst, model.json, model.ubj)"));
}

TEST(Registry, PlatformAliasesAndExtensions) {
  RuntimeRegistry registry;
  ASSERT_TRUE(RegisterXgboostRuntime(registry).ok());
  EXPECT_EQ(registry.Canonical("mlserver_xgboost.XGBoostModel"), "xgboost");
  EXPECT_EQ(registry.Canonical("fil"), "xgboost");
  EXPECT_EQ(registry.PlatformForFile("1/model.ubj"), "xgboost");
  EXPECT_EQ(registry.PlatformForFile("1/model.bst"), "xgboost");
  // model-settings.json is JSON too: .json models come through the config, never by extension.
  EXPECT_EQ(registry.PlatformForFile("model.json"), "");
  EXPECT_EQ(registry.Find("xgboost")->default_model_filename(), "model.json");
}

}  // namespace
}  // namespace tensord::runtime::xgboost
