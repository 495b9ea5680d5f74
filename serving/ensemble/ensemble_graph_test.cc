#include "serving/ensemble/ensemble_graph.h"

#include <map>
#include <string>

#include "core/status_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

TensorConfig Fp32(std::string name) {
  return {.name = std::move(name), .datatype = DataType::kFp32, .dims = {4}};
}

// Step models by name: "scale" (x -> y), "add_sub" (a, b -> sum, diff), "identity" (i -> o),
// "int_in" (n: INT64 -> m).
absl::StatusOr<ModelConfig> Lookup(const EnsembleStep& step) {
  static const std::map<std::string, ModelConfig> models = {
      {"scale", {.name = "scale", .inputs = {Fp32("x")}, .outputs = {Fp32("y")}}},
      {"add_sub",
       {.name = "add_sub",
        .inputs = {Fp32("a"), Fp32("b")},
        .outputs = {Fp32("sum"), Fp32("diff")}}},
      {"identity", {.name = "identity", .inputs = {Fp32("i")}, .outputs = {Fp32("o")}}},
      {"int_in",
       {.name = "int_in",
        .inputs = {{.name = "n", .datatype = DataType::kInt64, .dims = {4}}},
        .outputs = {Fp32("m")}}},
  };
  auto found = models.find(step.model_name);
  if (found == models.end()) return absl::NotFoundError("unknown model '" + step.model_name + "'");
  return found->second;
}

EnsembleStep Step(std::string model, std::map<std::string, std::string> in,
                  std::map<std::string, std::string> out) {
  return {.model_name = std::move(model), .input_map = std::move(in), .output_map = std::move(out)};
}

// IN -> scale -> MID; (MID, IN) -> add_sub -> SUM, DIFF; MID -> identity -> COPY.
ModelConfig Diamond() {
  return {.name = "ens",
          .platform = "ensemble",
          .inputs = {Fp32("IN")},
          .outputs = {Fp32("SUM"), Fp32("DIFF"), Fp32("COPY")},
          .ensemble_steps = {
              Step("scale", {{"x", "IN"}}, {{"y", "MID"}}),
              Step("add_sub", {{"a", "MID"}, {"b", "IN"}}, {{"sum", "SUM"}, {"diff", "DIFF"}}),
              Step("identity", {{"i", "MID"}}, {{"o", "COPY"}})}};
}

void ExpectError(const ModelConfig& config, absl::StatusCode code, std::string_view message) {
  absl::StatusOr<EnsembleGraph> graph = PlanEnsemble(config, Lookup);
  ASSERT_FALSE(graph.ok());
  EXPECT_EQ(graph.status().code(), code);
  EXPECT_EQ(Message(graph.status()), message);
}

TEST(PlanEnsemble, OrdersStepsAndFindsParallelOnes) {
  absl::StatusOr<EnsembleGraph> graph = PlanEnsemble(Diamond(), Lookup);
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_THAT(graph->initial, ElementsAre(0));
  EXPECT_THAT(graph->consumers[0], UnorderedElementsAre(1, 2));  // both run once scale is done
  EXPECT_THAT(graph->producer_count, ElementsAre(0, 1, 1));
  ASSERT_EQ(graph->order.size(), 3u);
  EXPECT_EQ(graph->order[0], 0u);
}

TEST(PlanEnsemble, UnknownStepModel) {
  ModelConfig config = Diamond();
  config.ensemble_steps[2].model_name = "nope";
  ExpectError(config, absl::StatusCode::kNotFound,
              "ensemble step 3 ('nope'): unknown model 'nope'");
}

TEST(PlanEnsemble, ConsumedButNeverProduced) {
  ModelConfig config = Diamond();
  config.ensemble_steps[2].input_map["i"] = "GHOST";
  ExpectError(config, absl::StatusCode::kInvalidArgument,
              "ensemble step 3 ('identity'): tensor 'GHOST' (input 'i') is consumed but never "
              "produced: it is neither an ensemble input nor any step's output");
}

TEST(PlanEnsemble, OutputNeverProduced) {
  ModelConfig config = Diamond();
  config.outputs.push_back(Fp32("EXTRA"));
  ExpectError(config, absl::StatusCode::kInvalidArgument,
              "ensemble output 'EXTRA' is not produced by any step");
}

TEST(PlanEnsemble, ProducedTwice) {
  ModelConfig config = Diamond();
  config.ensemble_steps[2].output_map["o"] = "SUM";
  ExpectError(config, absl::StatusCode::kInvalidArgument,
              "ensemble step 3 ('identity'): tensor 'SUM' is produced twice: by output 'sum' of "
              "ensemble step 2 ('add_sub') and by output 'o' of ensemble step 3 ('identity')");
  config = Diamond();
  config.ensemble_steps[0].output_map["y"] = "IN";
  ExpectError(config, absl::StatusCode::kInvalidArgument,
              "ensemble step 1 ('scale'): tensor 'IN' is produced twice: by ensemble input 'IN' "
              "and by output 'y' of ensemble step 1 ('scale')");
}

TEST(PlanEnsemble, Cycle) {
  ModelConfig config = Diamond();
  // scale now reads COPY, which identity makes from scale's MID.
  config.ensemble_steps[0].input_map["x"] = "COPY";
  ExpectError(config, absl::StatusCode::kInvalidArgument,
              "ensemble steps wait on each other (a cycle): ensemble step 1 ('scale') consumes "
              "tensor 'COPY' from ensemble step 3 ('identity'), which consumes tensor 'MID' from "
              "ensemble step 1 ('scale')");
}

TEST(PlanEnsemble, DatatypeMismatch) {
  ModelConfig config = Diamond();
  config.ensemble_steps.push_back(Step("int_in", {{"n", "MID"}}, {{"m", "M"}}));
  ExpectError(config, absl::StatusCode::kInvalidArgument,
              "ensemble step 4 ('int_in'): tensor 'MID' is FP32 (output 'y' of ensemble step 1 "
              "('scale')) but input 'n' of model 'int_in' takes INT64");
  config = Diamond();
  config.outputs[2].datatype = DataType::kInt32;
  ExpectError(config, absl::StatusCode::kInvalidArgument,
              "ensemble output 'COPY' is declared INT32 but output 'o' of ensemble step 3 "
              "('identity') is FP32");
}

TEST(PlanEnsemble, ShapeConflicts) {
  ModelConfig config = Diamond();
  config.inputs[0].dims = {3};
  ExpectError(config, absl::StatusCode::kInvalidArgument,
              "ensemble step 1 ('scale'): tensor 'IN' has shape [3] (ensemble input 'IN') but "
              "input 'x' of model 'scale' takes [4]");
  config = Diamond();
  config.max_batch_size = 8;  // [-1,4] against the steps' [4]: another rank
  ExpectError(config, absl::StatusCode::kInvalidArgument,
              "ensemble step 1 ('scale'): tensor 'IN' has shape [-1,4] (ensemble input 'IN') but "
              "input 'x' of model 'scale' takes [4]");
  config = Diamond();
  config.outputs[2].dims = {5};
  ExpectError(config, absl::StatusCode::kInvalidArgument,
              "ensemble output 'COPY' is declared [5] but output 'o' of ensemble step 3 "
              "('identity') has shape [4]");
  config = Diamond();
  config.inputs[0].dims = {-1};  // any size fits
  EXPECT_TRUE(PlanEnsemble(config, Lookup).ok());
}

TEST(PlanEnsemble, MapsMustMatchTheStepModel) {
  ModelConfig config = Diamond();
  config.ensemble_steps[0].input_map = {{"z", "IN"}};
  ExpectError(config, absl::StatusCode::kInvalidArgument,
              "ensemble step 1 ('scale'): input_map names 'z', which is not an input of model "
              "'scale' (inputs: x)");
  config = Diamond();
  config.ensemble_steps[1].input_map.erase("b");
  ExpectError(config, absl::StatusCode::kInvalidArgument,
              "ensemble step 2 ('add_sub'): input 'b' of model 'add_sub' is not in the step's "
              "input_map");
  config = Diamond();
  config.ensemble_steps[2].output_map = {{"q", "COPY"}};
  ExpectError(config, absl::StatusCode::kInvalidArgument,
              "ensemble step 3 ('identity'): output_map names 'q', which is not an output of "
              "model 'identity' (outputs: o)");
}

TEST(PlanEnsemble, TensorsNeedDatatypes) {
  ModelConfig config = Diamond();
  config.inputs[0].datatype = DataType::kInvalid;
  ExpectError(config, absl::StatusCode::kInvalidArgument, "ensemble input 'IN' has no data_type");
}

}  // namespace
}  // namespace tensord
