#include "runtime/identity/identity_runtime.h"

#include <chrono>
#include <string>
#include <vector>

#include "core/status_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord::runtime::identity {
namespace {

using ::testing::HasSubstr;

TensorConfig Io(std::string name, DataType datatype, Shape dims) {
  return {.name = std::move(name), .datatype = datatype, .dims = std::move(dims)};
}

ModelConfig Config(std::vector<TensorConfig> inputs, std::vector<TensorConfig> outputs) {
  ModelConfig config;
  config.name = "ident.v-2";
  config.platform = kPlatform;
  config.max_batch_size = 8;
  config.inputs = std::move(inputs);
  config.outputs = std::move(outputs);
  return config;
}

Tensor Floats(std::string name, std::vector<float> values) {
  std::vector<std::byte> bytes(values.size() * sizeof(float));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return {.name = std::move(name),
          .datatype = DataType::kFp32,
          .shape = {1, static_cast<int64_t>(values.size())},
          .data = Buffer::FromVector(std::move(bytes)),
          .parameters = {{"binary_data_size", int64_t{16}}}};
}

absl::StatusOr<ModelPtr> Load(const ModelConfig& config) {
  RuntimeRegistry registry;
  EXPECT_TRUE(RegisterIdentityRuntime(registry).ok());
  Runtime* runtime = registry.Find(kPlatform);
  EXPECT_NE(runtime, nullptr);
  EXPECT_FALSE(runtime->needs_model_file());
  return runtime->Load(config, "/repo/ident.v-2/3");
}

TEST(IdentityRuntime, AnswersEachRequestedOutputWithItsInputUncopied) {
  absl::StatusOr<ModelPtr> model =
      Load(Config({Io("INPUT0", DataType::kFp32, {4}), Io("INPUT_b", DataType::kFp32, {4})},
                  {Io("OUTPUT0", DataType::kFp32, {4}), Io("OUTPUT_b", DataType::kFp32, {4})}));
  ASSERT_TRUE(model.ok()) << model.status();
  absl::StatusOr<InstancePtr> instance = (*model)->CreateInstance({});
  ASSERT_TRUE(instance.ok()) << instance.status();
  const std::vector<Tensor> inputs = {Floats("INPUT_b", {5, 6, 7, 8}),
                                      Floats("INPUT0", {1, 2, 3, 4})};
  const std::vector<std::string> names = {"OUTPUT0", "OUTPUT_b"};
  absl::StatusOr<std::vector<Tensor>> outputs = (*instance)->Execute(inputs, names);
  ASSERT_TRUE(outputs.ok()) << outputs.status();
  ASSERT_EQ(outputs->size(), 2u);
  EXPECT_EQ((*outputs)[0].name, "OUTPUT0");
  EXPECT_EQ((*outputs)[0].data.data(), inputs[1].data.data());  // the same bytes
  EXPECT_EQ((*outputs)[0].shape, inputs[1].shape);
  EXPECT_EQ((*outputs)[0].datatype, DataType::kFp32);
  EXPECT_TRUE((*outputs)[0].parameters.empty());  // an input's parameters are not the output's
  EXPECT_EQ((*outputs)[1].name, "OUTPUT_b");
  EXPECT_EQ((*outputs)[1].data.data(), inputs[0].data.data());

  const std::vector<std::string> one = {"OUTPUT_b"};
  outputs = (*instance)->Execute(inputs, one);
  ASSERT_TRUE(outputs.ok()) << outputs.status();
  ASSERT_EQ(outputs->size(), 1u);
  EXPECT_EQ((*outputs)[0].name, "OUTPUT_b");
}

TEST(IdentityRuntime, ConfigsThatAreNotAnIdentityAreLoadErrorsNamingTheTensor) {
  const struct {
    ModelConfig config;
    std::string error;
  } cases[] = {
      {Config({}, {}), "declares no input"},
      {Config({Io("INPUT0", DataType::kFp32, {4})}, {}), "1 inputs and 0 outputs"},
      {Config({Io("x", DataType::kFp32, {4})}, {Io("OUTPUT0", DataType::kFp32, {4})}),
       "input 'x': an identity model's inputs are named INPUT<k>"},
      {Config({Io("INPUT0", DataType::kFp32, {4})}, {Io("y", DataType::kFp32, {4})}),
       "output 'y': an identity model's outputs are named OUTPUT<k>"},
      {Config({Io("INPUT0", DataType::kFp32, {4})}, {Io("OUTPUT1", DataType::kFp32, {4})}),
       "output 'OUTPUT1' has no input 'INPUT1' to answer"},
      {Config({Io("INPUT0", DataType::kFp32, {4})}, {Io("OUTPUT0", DataType::kInt32, {4})}),
       "output 'OUTPUT0' is INT32 but input 'INPUT0' is FP32"},
      {Config({Io("INPUT0", DataType::kFp32, {4})}, {Io("OUTPUT0", DataType::kFp32, {2, 2})}),
       "output 'OUTPUT0' has shape [2,2] but input 'INPUT0' has [4]"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<ModelPtr> model = Load(c.config);
    ASSERT_FALSE(model.ok()) << c.error;
    EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(Message(model.status()), HasSubstr(c.error));
    EXPECT_THAT(Message(model.status()), HasSubstr("ident.v-2"));
  }
}

TEST(IdentityRuntime, ReshapedPairsCompareTheModelsShapes) {
  ModelConfig config =
      Config({Io("INPUT0", DataType::kFp32, {4})}, {Io("OUTPUT0", DataType::kFp32, {2, 2})});
  config.inputs[0].reshape = Shape{2, 2};
  EXPECT_TRUE(Load(config).ok());
}

TEST(IdentityRuntime, ExecuteDelayMsSleepsFirstAndIsCheckedAtLoad) {
  ModelConfig config =
      Config({Io("INPUT0", DataType::kBytes, {-1})}, {Io("OUTPUT0", DataType::kBytes, {-1})});
  for (const std::string bad : {"abc", "-1", "1.5", "3600001", ""}) {
    config.parameters["execute_delay_ms"] = bad;
    absl::StatusOr<ModelPtr> model = Load(config);
    ASSERT_FALSE(model.ok()) << bad;
    EXPECT_THAT(Message(model.status()),
                HasSubstr("parameter 'execute_delay_ms' is '" + bad +
                          "'; it takes a whole number of milliseconds from 0 to 3600000"));
  }
  config.parameters["execute_delay_ms"] = "30";
  absl::StatusOr<ModelPtr> model = Load(config);
  ASSERT_TRUE(model.ok()) << model.status();
  absl::StatusOr<InstancePtr> instance = (*model)->CreateInstance({});
  ASSERT_TRUE(instance.ok());
  std::vector<std::byte> bytes;
  AppendBytesElement(bytes, "hi");
  const std::vector<Tensor> inputs = {{.name = "INPUT0",
                                       .datatype = DataType::kBytes,
                                       .shape = {1, 1},
                                       .data = Buffer::FromVector(std::move(bytes))}};
  const std::vector<std::string> names = {"OUTPUT0"};
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<std::vector<Tensor>> outputs = (*instance)->Execute(inputs, names);
  // A lower bound only (a sleep is at least as long as asked), never a timing of speed.
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(30));
  ASSERT_TRUE(outputs.ok()) << outputs.status();
  EXPECT_EQ((*outputs)[0].data.data(), inputs[0].data.data());
}

}  // namespace
}  // namespace tensord::runtime::identity
