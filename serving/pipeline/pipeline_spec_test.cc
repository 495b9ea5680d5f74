#include "serving/pipeline/pipeline_spec.h"

#include <string>

#include "core/status_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord {
namespace {

using ::testing::HasSubstr;

constexpr char kChain[] = R"(apiVersion: mlops.seldon.io/v1alpha1
kind: Pipeline
metadata:
  name: chain
spec:
  steps:
    - name: model1
    - name: model2
      inputs: [model1.outputs.OUTPUT0, chain.inputs.X]
      tensorMap:
        model1.outputs.OUTPUT0: INPUT0
      inputsJoinType: outer
      triggers: [model1]
      triggersJoinType: any
      joinWindowMs: 20
      batch: {size: 4, windowMs: 5}
  output:
    steps: [model2]
    stepsJoin: any
    tensorMap: {model2.outputs.OUTPUT1: result}
)";

TEST(ParsePipelineSpec, ReadsSeldonFields) {
  absl::StatusOr<PipelineSpec> spec = ParsePipelineSpec(kChain, "p.yaml");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->name, "chain");
  ASSERT_EQ(spec->steps.size(), 2u);
  EXPECT_TRUE(spec->steps[0].inputs.empty());
  const PipelineStepSpec& step = spec->steps[1];
  EXPECT_EQ(step.line, 8);
  ASSERT_EQ(step.inputs.size(), 2u);
  EXPECT_EQ(step.inputs[0].step, "model1");
  EXPECT_FALSE(step.inputs[0].inputs);
  EXPECT_EQ(step.inputs[0].tensor, "OUTPUT0");
  EXPECT_EQ(step.inputs[1].step, "chain");
  EXPECT_TRUE(step.inputs[1].inputs);
  EXPECT_EQ(step.inputs[1].tensor, "X");
  EXPECT_EQ(step.tensor_map.at("model1.outputs.OUTPUT0"), "INPUT0");
  EXPECT_EQ(step.inputs_join, JoinType::kOuter);
  EXPECT_EQ(step.triggers_join, JoinType::kAny);
  ASSERT_EQ(step.triggers.size(), 1u);
  EXPECT_TRUE(step.triggers[0].tensor.empty());
  EXPECT_EQ(step.batch_size, 4u);
  EXPECT_EQ(step.batch_window_ms, 5u);
  ASSERT_TRUE(spec->output.has_value());
  EXPECT_EQ(spec->output->steps_join, JoinType::kAny);
  EXPECT_EQ(spec->output->tensor_map.at("model2.outputs.OUTPUT1"), "result");
}

struct BadCase {
  std::string yaml;
  std::string message;
};

class ParsePipelineSpecErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(ParsePipelineSpecErrors, NameFileLineAndProblem) {
  absl::StatusOr<PipelineSpec> spec = ParsePipelineSpec(GetParam().yaml, "bad.yaml");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(Message(spec.status())), HasSubstr(GetParam().message));
}

constexpr char kHead[] =
    "apiVersion: mlops.seldon.io/v1alpha1\nkind: Pipeline\nmetadata: {name: p}\n";

INSTANTIATE_TEST_SUITE_P(
    Cases, ParsePipelineSpecErrors,
    ::testing::Values(
        BadCase{std::string(kHead) + "spec:\n  steps:\n    - name: [a\n",
                "bad.yaml:7: malformed YAML"},
        BadCase{"apiVersion: v1\nkind: Pipeline\n",
                "bad.yaml:1: apiVersion: must be mlops.seldon.io/v1alpha1, not 'v1'"},
        BadCase{"apiVersion: mlops.seldon.io/v1alpha1\nkind: Model\n",
                "bad.yaml:2: kind: must be Pipeline, not 'Model'"},
        BadCase{"apiVersion: mlops.seldon.io/v1alpha1\nkind: Pipeline\nspec: {}\n",
                "metadata.name: is missing"},
        BadCase{std::string(kHead) + "spec:\n  steps: []\n",
                "spec.steps: must be a non-empty list"},
        BadCase{std::string(kHead) + "spec:\n  steps:\n    - name: a\n      input: [b]\n",
                "bad.yaml:7: spec.steps[0]: unknown field 'input'"},
        BadCase{std::string(kHead) + "spec:\n  steps:\n    - inputs: [b]\n",
                "spec.steps[0]: has no 'name'"},
        BadCase{std::string(kHead) + "spec:\n  steps:\n    - name: a\n    - name: a\n",
                "bad.yaml:7: spec.steps[1].name: step 'a' appears twice"},
        BadCase{std::string(kHead) + "spec:\n  steps:\n    - name: a\n      inputs: [b.outputs.]\n",
                "bad.yaml:7: spec.steps[0] ('a').inputs[0]: 'b.outputs.' is not a reference"},
        BadCase{std::string(kHead) + "spec:\n  steps:\n    - name: a\n      inputs: [.inputs]\n",
                "'.inputs' is not a reference"},
        BadCase{std::string(kHead) + "spec:\n  steps:\n    - name: a\n      inputsJoinType: left\n",
                "spec.steps[0] ('a').inputsJoinType: must be inner, outer or any, not 'left'"},
        BadCase{std::string(kHead) + "spec:\n  steps:\n    - name: a\n      tensorMap: {b: x}\n",
                "a tensorMap key names one tensor"},
        BadCase{std::string(kHead) + "spec:\n  steps:\n    - name: a\n      batch: {size: 0}\n",
                "batch.size: must be at least 1"},
        BadCase{std::string(kHead) + "spec:\n  steps:\n    - name: a\n  output: {steps: []}\n",
                "spec.output.steps: is empty"}));

}  // namespace
}  // namespace tensord
