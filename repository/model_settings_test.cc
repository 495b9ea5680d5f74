#include "repository/model_settings.h"

#include "core/status_util.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kSource = "models/m/model-settings.json";

ModelConfig Parse(std::string_view text) {
  absl::StatusOr<ModelConfig> config = ParseModelSettings(text, kSource);
  EXPECT_TRUE(config.ok()) << config.status();
  return config.ok() ? *config : ModelConfig{};
}

void ExpectError(std::string_view text, absl::StatusCode code, std::string_view message) {
  absl::StatusOr<ModelConfig> config = ParseModelSettings(text, kSource);
  ASSERT_FALSE(config.ok()) << text;
  EXPECT_EQ(config.status().code(), code);
  EXPECT_EQ(Message(config.status()), message);
}

TEST(ParseModelSettings, MapsTheFieldsTensordUses) {
  ModelConfig config = Parse(R"({
    "name": "iris",
    "implementation": "mlserver_xgboost.XGBoostModel",
    "parallel_workers": 3,
    "parameters": {
      "uri": "./model.json",
      "version": "v1.2",
      "extra": {"nthread": 2, "mode": "fast", "flag": true, "list": [1, 2]}
    },
    "inputs": [{"name": "x", "datatype": "FP32", "shape": [-1, 4]}],
    "outputs": [{"name": "y", "datatype": "INT64", "shape": [-1],
                 "parameters": {"content_type": "np"}}]
  })");
  EXPECT_EQ(config.name, "iris");
  // Left to the runtime registry, which knows MLServer's names as aliases.
  EXPECT_EQ(config.platform, "mlserver_xgboost.XGBoostModel");
  EXPECT_EQ(config.source, kSource);
  EXPECT_EQ(config.instance_count, 3);
  EXPECT_EQ(config.model_file, "./model.json");
  EXPECT_EQ(config.version_label, "v1.2");
  EXPECT_EQ(config.parameters.at("nthread"), "2");
  EXPECT_EQ(config.parameters.at("mode"), "fast");
  EXPECT_EQ(config.parameters.at("flag"), "true");
  EXPECT_EQ(config.parameters.at("list"), "[1,2]");
  // No batching: shapes are whole (MLServer includes the batch dimension).
  EXPECT_EQ(config.max_batch_size, 0);
  EXPECT_FALSE(config.batching.has_value());
  ASSERT_EQ(config.inputs.size(), 1u);
  EXPECT_EQ(config.inputs[0].name, "x");
  EXPECT_EQ(config.inputs[0].datatype, DataType::kFp32);
  EXPECT_EQ(config.inputs[0].dims, Shape({-1, 4}));
  ASSERT_EQ(config.outputs.size(), 1u);
  EXPECT_EQ(config.outputs[0].datatype, DataType::kInt64);
  EXPECT_EQ(config.outputs[0].dims, Shape({-1}));
}

TEST(ParseModelSettings, BatchingStripsTheBatchDimension) {
  ModelConfig config = Parse(R"({
    "max_batch_size": 16, "max_batch_time": 0.002,
    "inputs": [{"name": "x", "datatype": "FP32", "shape": [-1, 4]},
               {"name": "free", "datatype": "BYTES"}],
    "outputs": [{"name": "y", "datatype": "FP32", "shape": [-1]}]
  })");
  EXPECT_EQ(config.max_batch_size, 16);
  ASSERT_TRUE(config.batching.has_value());
  EXPECT_EQ(config.batching->max_queue_delay, std::chrono::microseconds(2000));
  EXPECT_EQ(config.inputs[0].dims, Shape({4}));
  EXPECT_TRUE(config.inputs[1].dims.empty());
  EXPECT_EQ(config.inputs[1].datatype, DataType::kBytes);
  EXPECT_EQ(config.outputs[0].dims, Shape({}));
}

TEST(ParseModelSettings, BatchingNeedsBothSizeAboveOneAndTime) {
  ModelConfig size_only = Parse(R"({"max_batch_size": 16,
                                    "inputs": [{"name": "x", "shape": [-1, 4]}]})");
  EXPECT_EQ(size_only.max_batch_size, 0);
  EXPECT_FALSE(size_only.batching.has_value());
  EXPECT_EQ(size_only.inputs[0].dims, Shape({-1, 4}));
  EXPECT_FALSE(Parse(R"({"max_batch_size": 1, "max_batch_time": 0.5})").batching.has_value());
  EXPECT_FALSE(Parse(R"({"max_batch_time": 0.5})").batching.has_value());
}

TEST(ParseModelSettings, Platforms) {
  EXPECT_EQ(Parse(R"({"parameters": {"uri": "m.onnx"}})").platform, "onnxruntime_onnx");
  EXPECT_EQ(Parse(R"({"parameters": {"uri": "m.bin"}})").platform, "");
  EXPECT_EQ(Parse("{}").platform, "");
  EXPECT_EQ(Parse(R"({"implementation": "mlserver_onnx.OnnxModel"})").platform, "onnxruntime_onnx");
  EXPECT_EQ(Parse(R"({"implementation": "my_package.MyModel"})").platform, "my_package.MyModel");
}

TEST(ParseModelSettings, EmptyAndNullFieldsAreAbsent) {
  ModelConfig config = Parse(R"({"name": null, "parameters": null, "inputs": []})");
  EXPECT_EQ(config.name, "");
  EXPECT_TRUE(config.inputs.empty());
}

TEST(ParseModelSettings, ScikitLearnGoesToTheRegistryWithTheWholeFile) {
  const std::string text = R"({"implementation": "mlserver_sklearn.SKLearnModel"})";
  ModelConfig config = Parse(text);
  EXPECT_EQ(config.platform, "mlserver_sklearn.SKLearnModel");
  EXPECT_EQ(config.mlserver_settings, text);
}

TEST(ParseModelSettings, NotJson) {
  absl::StatusOr<ModelConfig> config = ParseModelSettings("{\"name\": ", kSource);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(config.status()),
              HasSubstr("models/m/model-settings.json: not valid JSON: "));
  EXPECT_THAT(Message(config.status()), HasSubstr("line 1"));
}

// fuzz/regressions/model_settings: nlohmann throws out_of_range, not parse_error, for a
// number past a double's range; it used to escape and end the server.
TEST(ParseModelSettings, NumberOutOfRangeIsNotValidJson) {
  absl::StatusOr<ModelConfig> config =
      ParseModelSettings(R"({"max_batch_time": 11.2e000000010282})", kSource);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(config.status()),
              HasSubstr("models/m/model-settings.json: not valid JSON: "));
  EXPECT_THAT(Message(config.status()), HasSubstr("number overflow"));
}

TEST(ParseModelSettings, FieldErrors) {
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  ExpectError("[]", kInvalid, "models/m/model-settings.json: expected a JSON object");
  ExpectError(R"({"name": 3})", kInvalid, "models/m/model-settings.json: name: expected a string");
  ExpectError(R"({"implementation": 1})", kInvalid,
              "models/m/model-settings.json: implementation: expected a string");
  ExpectError(R"({"parameters": []})", kInvalid,
              "models/m/model-settings.json: parameters: expected an object");
  ExpectError(R"({"parameters": {"uri": 1}})", kInvalid,
              "models/m/model-settings.json: parameters.uri: expected a string");
  ExpectError(R"({"parameters": {"version": 2}})", kInvalid,
              "models/m/model-settings.json: parameters.version: expected a string");
  ExpectError(R"({"parameters": {"extra": "x"}})", kInvalid,
              "models/m/model-settings.json: parameters.extra: expected an object");
  ExpectError(R"({"max_batch_size": -1})", kInvalid,
              "models/m/model-settings.json: max_batch_size: must be >= 0, got -1");
  ExpectError(R"({"max_batch_size": 1.5})", kInvalid,
              "models/m/model-settings.json: max_batch_size: expected a whole number");
  ExpectError(R"({"max_batch_time": "1s"})", kInvalid,
              "models/m/model-settings.json: max_batch_time: expected a number of seconds");
  ExpectError(R"({"max_batch_time": -0.1})", kInvalid,
              "models/m/model-settings.json: max_batch_time: must be a finite number >= 0, got "
              "-0.1");
  ExpectError(R"({"parallel_workers": -2})", kInvalid,
              "models/m/model-settings.json: parallel_workers: must be >= 0, got -2");
  ExpectError(R"({"inputs": {}})", kInvalid,
              "models/m/model-settings.json: inputs: expected an array");
  ExpectError(R"({"outputs": [1]})", kInvalid,
              "models/m/model-settings.json: outputs[0]: expected an object");
}

TEST(ParseModelSettings, TensorErrors) {
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  ExpectError(R"({"inputs": [{"name": "a", "datatype": "FP32"},
                             {"name": "b", "datatype": "FLOAT"}]})",
              kInvalid,
              "models/m/model-settings.json: inputs[1].datatype: 'FLOAT' is not a datatype");
  ExpectError(R"({"inputs": [{"datatype": "FP32"}]})", kInvalid,
              "models/m/model-settings.json: inputs[0]: has no name");
  ExpectError(R"({"inputs": [{"name": 7}]})", kInvalid,
              "models/m/model-settings.json: inputs[0].name: expected a string");
  ExpectError(R"({"outputs": [{"name": "y"}, {"name": "y"}]})", kInvalid,
              "models/m/model-settings.json: outputs[1]: 'y' is declared twice");
  ExpectError(R"({"inputs": [{"name": "x", "shape": 4}]})", kInvalid,
              "models/m/model-settings.json: inputs[0].shape: expected an array of whole numbers");
  ExpectError(R"({"inputs": [{"name": "x", "shape": [-1, "4"]}]})", kInvalid,
              "models/m/model-settings.json: inputs[0].shape: dimension 1 is \"4\", not a whole "
              "number");
  ExpectError(R"({"inputs": [{"name": "x", "shape": [-3]}]})", kInvalid,
              "models/m/model-settings.json: inputs[0].shape: dimension 0 is -3; a dimension is "
              "-1 (any size) or >= 0");
  ExpectError(R"({"max_batch_size": 8, "max_batch_time": 0.01,
                  "inputs": [{"name": "x", "shape": [1, 4]}]})",
              kInvalid,
              "models/m/model-settings.json: inputs[0].shape: the first dimension is the batch "
              "dimension when batching is on (max_batch_size 8) and must be -1, got 1");
}

// Issue 10: "uri": "/etc/passwd" was opened and parsed; parameters.extra nested 100,000 deep
// crashed the server at start; counts and delays wrapped.
TEST(ParseModelSettings, UriStaysInsideTheModelFolder) {
  EXPECT_EQ(Parse(R"({"parameters": {"uri": "./model.json"}})").model_file, "./model.json");
  EXPECT_EQ(Parse(R"({"parameters": {"uri": "sub/model.onnx"}})").model_file, "sub/model.onnx");
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  ExpectError(R"({"parameters": {"uri": "/etc/passwd"}})", kInvalid,
              "models/m/model-settings.json: parameters.uri '/etc/passwd' is an absolute path; a "
              "path in a model's config must stay inside the model's folder (relative, without "
              "'..')");
  ExpectError(R"({"parameters": {"uri": "../other/model.onnx"}})", kInvalid,
              "models/m/model-settings.json: parameters.uri '../other/model.onnx' has a '..' "
              "segment; a path in a model's config must stay inside the model's folder "
              "(relative, without '..')");
}

TEST(ParseModelSettings, DeepNestingIsRefusedBeforeParsing) {
  const std::string deep = R"({"parameters": {"extra": {"x": )" + std::string(100'000, '[') +
                           std::string(100'000, ']') + "}}}";
  ExpectError(deep, absl::StatusCode::kInvalidArgument,
              "models/m/model-settings.json: JSON nested deeper than 64 levels");
  // Nesting that is not deep still becomes JSON text.
  EXPECT_EQ(Parse(R"({"parameters": {"extra": {"x": [[1]]}}})").parameters.at("x"), "[[1]]");
}

TEST(ParseModelSettings, WorkersAndBatchTimeAreBounded) {
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  ExpectError(R"({"parallel_workers": 4294967297})", kInvalid,
              "models/m/model-settings.json: parallel_workers: 4294967297 is more instances than "
              "a model can run (at most 2147483647)");
  for (std::string_view seconds : {"1e12", "1e300", "60.5"}) {
    absl::StatusOr<ModelConfig> config = ParseModelSettings(
        fmt::format(R"({{"max_batch_size": 8, "max_batch_time": {}}})", seconds), kSource);
    EXPECT_EQ(config.status().code(), kInvalid) << seconds;
    EXPECT_THAT(Message(config.status()),
                HasSubstr("models/m/model-settings.json: max_batch_time is "));
    EXPECT_THAT(Message(config.status()),
                HasSubstr("a batching delay must be a number from 0 to 60 s (60000000 us)"));
  }
  EXPECT_EQ(Parse(R"({"max_batch_size": 8, "max_batch_time": 60})").batching->max_queue_delay,
            std::chrono::seconds(60));
}

}  // namespace
}  // namespace tensord
