// Loading: registration, config completion from the file, config-vs-file mismatches,
// missing and corrupt files, session parameters.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <utility>

#include "core/status_util.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/onnx/onnx_runtime.h"
#include "runtime/onnx/onnx_test_util.h"
#include "runtime/onnx/session_parameters.h"

namespace tensord::runtime::onnx {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::TestModel;

class OnnxLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(RegisterOnnxRuntime(registry_).ok());
    runtime_ = registry_.Find(kPlatform);
    ASSERT_NE(runtime_, nullptr);
  }
  absl::StatusOr<ModelPtr> Load(const ModelConfig& config, const std::string& file) {
    return runtime_->Load(config, TestModel(file));
  }

  RuntimeRegistry registry_;
  Runtime* runtime_ = nullptr;
};

ModelConfig MlpConfig() {
  return ModelConfig{.name = "mlp",
                     .source = "models/m/config.pbtxt",
                     .max_batch_size = 8,
                     .inputs = {{.name = "x", .datatype = DataType::kFp32, .dims = {4}}},
                     .outputs = {{.name = "probs", .datatype = DataType::kFp32, .dims = {2}}}};
}

TEST_F(OnnxLoadTest, RegistersPlatformAliasAndExtension) {
  EXPECT_EQ(registry_.Find("onnxruntime"), runtime_);
  EXPECT_EQ(registry_.Canonical("onnxruntime"), kPlatform);
  EXPECT_EQ(registry_.PlatformForFile("models/m/1/model.onnx"), kPlatform);
  EXPECT_EQ(runtime_->default_model_filename(), "model.onnx");
}

TEST_F(OnnxLoadTest, EmptyConfigIsFilledFromFile) {
  absl::StatusOr<ModelPtr> model = Load({.name = "mlp"}, "mlp.onnx");
  ASSERT_TRUE(model.ok()) << model.status();
  const ModelConfig& config = (*model)->config();
  EXPECT_EQ(config.platform, kPlatform);
  ASSERT_EQ(config.inputs.size(), 1u);
  EXPECT_EQ(config.inputs[0].name, "x");
  EXPECT_EQ(config.inputs[0].datatype, DataType::kFp32);
  EXPECT_THAT(config.inputs[0].dims, ElementsAre(-1, 4));
  ASSERT_EQ(config.outputs.size(), 2u);
  EXPECT_EQ(config.outputs[0].name, "logits");
  EXPECT_EQ(config.outputs[1].name, "probs");
  EXPECT_THAT(config.outputs[1].dims, ElementsAre(-1, 2));
}

TEST_F(OnnxLoadTest, BatchingConfigExcludesBatchDimension) {
  ModelConfig config{.name = "add_sub", .max_batch_size = 8};
  absl::StatusOr<ModelPtr> model = Load(config, "add_sub.onnx");
  ASSERT_TRUE(model.ok()) << model.status();
  ASSERT_EQ((*model)->config().inputs.size(), 2u);
  EXPECT_THAT((*model)->config().inputs[0].dims, ElementsAre(4));
  EXPECT_THAT((*model)->config().inputs[1].dims, ElementsAre(4));
  EXPECT_THAT((*model)->config().outputs[1].dims, ElementsAre(4));
}

TEST_F(OnnxLoadTest, SymbolicDimsBecomeMinusOne) {
  absl::StatusOr<ModelPtr> plain = Load({.name = "s"}, "symbolic.onnx");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_THAT((*plain)->config().inputs[0].dims, ElementsAre(-1, -1, 8));
  absl::StatusOr<ModelPtr> batched = Load({.name = "s", .max_batch_size = 4}, "symbolic.onnx");
  ASSERT_TRUE(batched.ok()) << batched.status();
  EXPECT_THAT((*batched)->config().inputs[0].dims, ElementsAre(-1, 8));
}

TEST_F(OnnxLoadTest, ConfigListingIsKeptAndCompleted) {
  ModelConfig config = MlpConfig();
  config.platform = "onnxruntime";
  absl::StatusOr<ModelPtr> model = Load(config, "mlp.onnx");
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ((*model)->config().platform, "onnxruntime");
  // Outputs the config leaves out stay hidden.
  ASSERT_EQ((*model)->config().outputs.size(), 1u);
  EXPECT_EQ((*model)->config().outputs[0].name, "probs");
}

TEST_F(OnnxLoadTest, MissingInputsAreAddedAndNameOnlyEntriesFilled) {
  ModelConfig config{.name = "add_sub",
                     .max_batch_size = 4,
                     .inputs = {{.name = "b"}},
                     .outputs = {{.name = "diff"}}};
  absl::StatusOr<ModelPtr> model = Load(config, "add_sub.onnx");
  ASSERT_TRUE(model.ok()) << model.status();
  const ModelConfig& done = (*model)->config();
  ASSERT_EQ(done.inputs.size(), 2u);
  EXPECT_EQ(done.inputs[0].name, "b");
  EXPECT_EQ(done.inputs[0].datatype, DataType::kFp32);
  EXPECT_THAT(done.inputs[0].dims, ElementsAre(4));
  EXPECT_EQ(done.inputs[1].name, "a");
  EXPECT_EQ(done.outputs[0].datatype, DataType::kFp32);
}

TEST_F(OnnxLoadTest, ConfigAcceptsFixedDimWhereFileIsDynamic) {
  ModelConfig config{.name = "s",
                     .inputs = {{.name = "x", .datatype = DataType::kFp32, .dims = {2, 5, 8}}}};
  absl::StatusOr<ModelPtr> model = Load(config, "symbolic.onnx");
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_THAT((*model)->config().inputs[0].dims, ElementsAre(2, 5, 8));
}

TEST_F(OnnxLoadTest, DatatypeMismatchNamesBothSources) {
  ModelConfig config = MlpConfig();
  config.inputs[0].datatype = DataType::kFp64;
  absl::StatusOr<ModelPtr> model = Load(config, "mlp.onnx");
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(model.status()),
            "config.pbtxt (models/m/config.pbtxt) says input 'x' is FP64 but mlp.onnx says FP32");
}

TEST_F(OnnxLoadTest, OutputDatatypeMismatch) {
  ModelConfig config = MlpConfig();
  config.source.clear();
  config.outputs[0].datatype = DataType::kInt64;
  absl::StatusOr<ModelPtr> model = Load(config, "mlp.onnx");
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(model.status()),
            "the model config says output 'probs' is INT64 but mlp.onnx says FP32");
}

TEST_F(OnnxLoadTest, DimsMismatch) {
  ModelConfig config = MlpConfig();
  config.inputs[0].dims = {5};
  absl::StatusOr<ModelPtr> model = Load(config, "mlp.onnx");
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(model.status()),
            "config.pbtxt (models/m/config.pbtxt) says input 'x' has dims [5] but mlp.onnx says "
            "[4] (without the batch dimension)");
}

TEST_F(OnnxLoadTest, RankMismatch) {
  ModelConfig config = MlpConfig();
  config.inputs[0].dims = {1, 4};
  absl::StatusOr<ModelPtr> model = Load(config, "mlp.onnx");
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(model.status()), HasSubstr("says input 'x' has dims [1,4] but mlp.onnx"));
}

TEST_F(OnnxLoadTest, DynamicConfigDimWhereFileIsFixedIsRejected) {
  ModelConfig config = MlpConfig();
  config.inputs[0].dims = {-1};
  absl::StatusOr<ModelPtr> model = Load(config, "mlp.onnx");
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(model.status()), HasSubstr("has dims [-1] but mlp.onnx says [4]"));
}

TEST_F(OnnxLoadTest, UnknownTensorNameListsFileNames) {
  ModelConfig config{.name = "add_sub",
                     .source = "config.pbtxt",
                     .inputs = {{.name = "z", .datatype = DataType::kFp32, .dims = {-1, 4}}}};
  absl::StatusOr<ModelPtr> model = Load(config, "add_sub.onnx");
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(model.status()),
            "config.pbtxt (config.pbtxt) lists input 'z' but add_sub.onnx has no such input; its "
            "inputs are: 'a', 'b'");

  ModelConfig outputs{.name = "add_sub", .outputs = {{.name = "product"}}};
  absl::StatusOr<ModelPtr> bad_output = Load(outputs, "add_sub.onnx");
  EXPECT_EQ(bad_output.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(bad_output.status()),
              HasSubstr("lists output 'product' but add_sub.onnx has no such output; its outputs "
                        "are: 'sum', 'diff'"));
}

TEST_F(OnnxLoadTest, BatchingNeedsDynamicFirstDimension) {
  absl::StatusOr<ModelPtr> model = Load({.name = "f", .max_batch_size = 4}, "fixed_batch.onnx");
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(model.status()),
            "max_batch_size is 4 in the model config but input 'x' of fixed_batch.onnx has shape "
            "[2,4], whose first dimension is not a dynamic batch dimension; set max_batch_size "
            "to 0 or export the model with a dynamic first dimension");
  // Without batching the same file loads.
  EXPECT_TRUE(Load({.name = "f"}, "fixed_batch.onnx").ok());
}

TEST_F(OnnxLoadTest, MissingFileIsNotFound) {
  absl::StatusOr<ModelPtr> model = Load({.name = "m"}, "no_such_model.onnx");
  EXPECT_EQ(model.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Message(model.status()), HasSubstr("no_such_model.onnx' does not exist"));
}

TEST_F(OnnxLoadTest, CorruptFileIsInvalidArgumentWithReason) {
  absl::StatusOr<ModelPtr> model = Load({.name = "m"}, "corrupt.onnx");
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(model.status()), HasSubstr(fmt::format("loading ONNX model '{}': ",
                                                             TestModel("corrupt.onnx").string())));
  EXPECT_THAT(Message(model.status()), HasSubstr("rotobuf parsing failed"));
}

TEST_F(OnnxLoadTest, UnsupportedElementTypeNamesTensor) {
  absl::StatusOr<ModelPtr> model = Load({.name = "m"}, "float8_input.onnx");
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(model.status()),
              HasSubstr("input 'c': element type FLOAT8E4M3FN is not supported by tensord"));
  EXPECT_THAT(Message(model.status()), HasSubstr("float8_input.onnx ("));
}

TEST_F(OnnxLoadTest, ComplexInputIsRejectedByOnnxRuntime) {
  absl::StatusOr<ModelPtr> model = Load({.name = "m"}, "complex_input.onnx");
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(model.status()), HasSubstr("complex_input.onnx"));
  EXPECT_THAT(Message(model.status()), HasSubstr("tensor(complex64)"));
}

TEST_F(OnnxLoadTest, BadParametersNameTheParameter) {
  ModelConfig config{.name = "mlp", .parameters = {{"graph_optimization_level", "fastest"}}};
  absl::StatusOr<ModelPtr> model = Load(config, "mlp.onnx");
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(model.status()),
              HasSubstr("parameter 'graph_optimization_level' has value 'fastest'; expected "
                        "disable, basic, extended, layout or all"));

  config.parameters = {{"intra_op_thread_count", "two"}};
  model = Load(config, "mlp.onnx");
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(model.status()),
              HasSubstr("parameter 'intra_op_thread_count' has value 'two'"));

  config.parameters = {{"enable_mem_arena", "yes"}};
  model = Load(config, "mlp.onnx");
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(model.status()), HasSubstr("parameter 'enable_mem_arena' has value 'yes'"));
}

TEST_F(OnnxLoadTest, GoodParametersLoad) {
  for (const char* level : {"disable", "basic", "extended", "all", "-1", "0", "1", "2"}) {
    ModelConfig config{.name = "mlp",
                       .parameters = {{"graph_optimization_level", level},
                                      {"intra_op_thread_count", "1"},
                                      {"inter_op_thread_count", "1"},
                                      {"execution_mode", "sequential"},
                                      {"enable_mem_arena", "0"},
                                      {"enable_mem_pattern", "true"},
                                      {"some_other_component_option", "x"}}};
    absl::StatusOr<ModelPtr> model = Load(config, "mlp.onnx");
    EXPECT_TRUE(model.ok()) << level << ": " << model.status();
  }
}

// What each accepted value means (Triton's integers included), field by field.
TEST(SessionParameters, ParsedValues) {
  const std::pair<const char*, GraphOptimizationLevel> levels[] = {
      {"disable", ORT_DISABLE_ALL},
      {"2", ORT_DISABLE_ALL},
      {"basic", ORT_ENABLE_BASIC},
      {"-1", ORT_ENABLE_BASIC},
      {"extended", ORT_ENABLE_EXTENDED},
      {"1", ORT_ENABLE_EXTENDED},
      {"layout", ORT_ENABLE_LAYOUT},
      {"all", ORT_ENABLE_ALL},
      {"0", ORT_ENABLE_ALL}};
  for (const auto& [text, level] : levels) {
    absl::StatusOr<SessionParameters> parsed =
        ParseSessionParameters({{"graph_optimization_level", text}});
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status();
    EXPECT_EQ(parsed->optimization_level, level) << text;
  }
  absl::StatusOr<SessionParameters> parsed =
      ParseSessionParameters({{"intra_op_thread_count", "3"},
                              {"inter_op_thread_count", "0"},
                              {"execution_mode", "1"},
                              {"enable_mem_arena", "0"},
                              {"enable_mem_pattern", "true"},
                              {"optimized_model_path", "opt/model.onnx"},
                              {"some_other_component_option", "x"}});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->intra_op_threads, 3);
  EXPECT_EQ(parsed->inter_op_threads, 0);
  EXPECT_EQ(parsed->execution_mode, ORT_PARALLEL);
  EXPECT_EQ(parsed->enable_mem_arena, false);
  EXPECT_EQ(parsed->enable_mem_pattern, true);
  EXPECT_EQ(parsed->optimized_model_path, std::filesystem::path("opt/model.onnx"));
  EXPECT_EQ(parsed->optimization_level, std::nullopt);

  parsed = ParseSessionParameters({{"execution_mode", "sequential"}, {"enable_mem_arena", "1"}});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->execution_mode, ORT_SEQUENTIAL);
  EXPECT_EQ(parsed->enable_mem_arena, true);
  EXPECT_EQ(parsed->intra_op_threads, std::nullopt);
}

// Threads of this process (/proc/self/task).
int ThreadCount() {
  int count = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator("/proc/self/task")) {
    ++count;
  }
  return count;
}

// The thread counts reach ONNX Runtime: a session with N intra-op threads starts N - 1
// pool threads (the calling thread is the Nth); inter-op threads only in parallel mode.
// Load's session is the one that stays (the first default instance takes it over).
TEST_F(OnnxLoadTest, ThreadParametersSizeTheSessionsThreadPools) {
  const auto threads_of_a_loaded_model = [&](std::map<std::string, std::string> parameters) {
    const int before = ThreadCount();
    absl::StatusOr<ModelPtr> model = Load({.name = "mlp", .parameters = parameters}, "mlp.onnx");
    EXPECT_TRUE(model.ok()) << model.status();
    return ThreadCount() - before;
  };
  // Threads started once per process on first use (the ONNX Runtime environment, a
  // sanitizer's background thread) are not the session's: start them first.
  threads_of_a_loaded_model({});
  EXPECT_EQ(threads_of_a_loaded_model({{"intra_op_thread_count", "1"}}), 0);
  EXPECT_EQ(threads_of_a_loaded_model({{"intra_op_thread_count", "4"}}), 3);
  EXPECT_EQ(threads_of_a_loaded_model({{"intra_op_thread_count", "1"},
                                       {"execution_mode", "parallel"},
                                       {"inter_op_thread_count", "3"}}),
            2);
  EXPECT_EQ(threads_of_a_loaded_model({{"intra_op_thread_count", "1"},
                                       {"execution_mode", "sequential"},
                                       {"inter_op_thread_count", "3"}}),
            0);
}

// The optimization level reaches ONNX Runtime: with every optimization off the saved
// graph still has the MatMul + Add pairs of the file; at "basic" ONNX Runtime fuses them.
TEST_F(OnnxLoadTest, OptimizationLevelChangesTheOptimizedGraph) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / fmt::format("tensord_onnx_level_{}", ::getpid());
  std::filesystem::create_directories(dir);
  const auto saved_graph = [&](const char* level) {
    const std::filesystem::path saved = dir / fmt::format("mlp.{}.onnx", level);
    absl::StatusOr<ModelPtr> model =
        Load({.name = "mlp",
              .parameters = {{"graph_optimization_level", level},
                             {"optimized_model_path", saved.string()}}},
             "mlp.onnx");
    EXPECT_TRUE(model.ok()) << level << ": " << model.status();
    std::ifstream in(saved, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string disabled = saved_graph("disable");
  const std::string basic = saved_graph("basic");
  std::filesystem::remove_all(dir);
  ASSERT_FALSE(disabled.empty());
  ASSERT_FALSE(basic.empty());
  // A node's op_type is NodeProto field 4: tag 0x22, then its length (node names such as
  // "MatMulAddFusion" do not match).
  const std::string matmul("\x22\x06MatMul"), gemm("\x22\x04Gemm");
  EXPECT_THAT(disabled, HasSubstr(matmul));
  EXPECT_THAT(disabled, ::testing::Not(HasSubstr(gemm)));
  EXPECT_THAT(basic, ::testing::Not(HasSubstr(matmul)));
  EXPECT_THAT(basic, HasSubstr(gemm));
}

TEST_F(OnnxLoadTest, OptimizedModelPathSavesGraph) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / fmt::format("tensord_onnx_opt_{}", ::getpid());
  std::filesystem::create_directories(dir);
  const std::filesystem::path saved = dir / "mlp.optimized.onnx";
  ModelConfig config{.name = "mlp", .parameters = {{"optimized_model_path", saved.string()}}};
  absl::StatusOr<ModelPtr> model = Load(config, "mlp.onnx");
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_TRUE(std::filesystem::exists(saved));
  // The saved graph loads again, with the same signature.
  absl::StatusOr<ModelPtr> reloaded = runtime_->Load(
      {.name = "mlp", .parameters = {{"graph_optimization_level", "disable"}}}, saved);
  ASSERT_TRUE(reloaded.ok()) << reloaded.status();
  EXPECT_EQ((*reloaded)->config().outputs.size(), 2u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tensord::runtime::onnx
