#include "serving/pipeline/pipeline_plan.h"

#include <map>
#include <string>

#include "core/status_util.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord {
namespace {

using ::testing::HasSubstr;

ModelConfig TwoInTwoOut(const std::string& name, DataType type = DataType::kFp32) {
  ModelConfig config{.name = name, .platform = "onnxruntime_onnx", .max_batch_size = 8};
  for (const char* input : {"INPUT0", "INPUT1"}) {
    config.inputs.push_back({.name = input, .datatype = type, .dims = {4}});
  }
  for (const char* output : {"OUTPUT0", "OUTPUT1"}) {
    config.outputs.push_back({.name = output, .datatype = type, .dims = {4}});
  }
  return config;
}

PipelineModelLookup Models() {
  return [](std::string_view name) -> absl::StatusOr<ModelConfig> {
    if (name == "a" || name == "b" || name == "c" || name == "m.v2-x" || name == "n-1.y") {
      return TwoInTwoOut(std::string(name));
    }
    if (name == "ints") return TwoInTwoOut("ints", DataType::kInt64);
    if (name == "open") {  // an MLServer model with no "inputs"/"outputs" in its settings
      return ModelConfig{
          .name = "open", .platform = "python", .any_inputs = true, .any_outputs = true};
    }
    return absl::NotFoundError(fmt::format("unknown model '{}'", name));
  };
}

absl::StatusOr<PipelinePlan> Plan(const std::string& spec_body) {
  const std::string text =
      "apiVersion: mlops.seldon.io/v1alpha1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n" +
      spec_body;
  absl::StatusOr<PipelineSpec> spec = ParsePipelineSpec(text, "p.yaml");
  if (!spec.ok()) return spec.status();
  return PlanPipeline(*spec, "p.pipeline", Models());
}

constexpr char kDiamond[] = R"(  steps:
    - name: a
    - name: b
      inputs: [a]
      tensorMap: {a.outputs.OUTPUT0: INPUT0, a.outputs.OUTPUT1: INPUT1}
    - name: c
      inputs: [a.outputs.OUTPUT0, b.outputs.OUTPUT1]
      tensorMap: {a.outputs.OUTPUT0: INPUT0, b.outputs.OUTPUT1: INPUT1}
  output:
    steps: [c.outputs.OUTPUT0, b.outputs.OUTPUT1]
    tensorMap: {c.outputs.OUTPUT0: sum, b.outputs.OUTPUT1: diff}
)";

TEST(PlanPipeline, DiamondServesRenamedOutputsAndTheFirstStepsInputs) {
  absl::StatusOr<PipelinePlan> plan = Plan(kDiamond);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->config.name, "p.pipeline");
  EXPECT_EQ(plan->config.platform, "seldon_pipeline");
  EXPECT_EQ(plan->config.max_batch_size, 0);
  ASSERT_EQ(plan->config.inputs.size(), 2u);
  EXPECT_EQ(plan->config.inputs[0].name, "INPUT0");
  EXPECT_EQ(plan->config.inputs[0].dims, (Shape{-1, 4}));
  EXPECT_FALSE(plan->config.inputs[0].optional);
  ASSERT_EQ(plan->config.outputs.size(), 2u);
  EXPECT_EQ(plan->config.outputs[0].name, "sum");
  EXPECT_EQ(plan->config.outputs[1].name, "diff");
  ASSERT_EQ(plan->steps[2].inputs.size(), 2u);
  EXPECT_EQ(plan->steps[2].inputs[1].step, 1u);
  EXPECT_EQ(plan->steps[2].inputs[1].feeds[0].to, "INPUT1");
}

// Kubernetes names may hold dots: a reference's step is what precedes ".inputs" /
// ".outputs", and a tensor name may hold dots too.
TEST(PlanPipeline, StepAndPipelineNamesWithDotsAndDashes) {
  const std::string text = R"(apiVersion: mlops.seldon.io/v1alpha1
kind: Pipeline
metadata: {name: p.v1-z}
spec:
  steps:
    - name: m.v2-x
      inputs: [p.v1-z.inputs.INPUT0, p.v1-z.inputs.INPUT1]
    - name: n-1.y
      inputs: [m.v2-x]
      tensorMap: {m.v2-x.outputs.OUTPUT0: INPUT0, m.v2-x.outputs.OUTPUT1: INPUT1}
  output:
    steps: [n-1.y.outputs.OUTPUT0, m.v2-x]
    tensorMap: {n-1.y.outputs.OUTPUT0: out.a, m.v2-x.outputs.OUTPUT1: out.b}
)";
  absl::StatusOr<PipelineSpec> spec = ParsePipelineSpec(text, "p.yaml");
  ASSERT_TRUE(spec.ok()) << spec.status();
  absl::StatusOr<PipelinePlan> plan = PlanPipeline(*spec, "p.v1-z.pipeline", Models());
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->steps.size(), 2u);
  EXPECT_EQ(plan->steps[0].model, "m.v2-x");
  EXPECT_EQ(plan->steps[1].inputs[0].step, 0u);
  std::vector<std::string> outputs;
  for (const TensorConfig& output : plan->config.outputs) outputs.push_back(output.name);
  EXPECT_THAT(outputs, ::testing::Contains("out.a"));

  absl::StatusOr<TensorRef> ref = ParseTensorRef("m.v2.outputs.out.0", "f", "p.yaml", 1);
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ(ref->step, "m.v2");
  EXPECT_FALSE(ref->inputs);
  EXPECT_EQ(ref->tensor, "out.0");
  ref = ParseTensorRef("a.b.inputs", "f", "p.yaml", 1);
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ(ref->step, "a.b");
  EXPECT_TRUE(ref->inputs);
  EXPECT_EQ(ref->tensor, "");
  // A typo is an unknown step, and the message says what a reference looks like.
  absl::StatusOr<PipelinePlan> typo = Plan("  steps:\n    - name: a\n      inputs: [a.outs]\n");
  ASSERT_FALSE(typo.ok());
  EXPECT_THAT(typo.status().message(), HasSubstr("names 'a.outs', which is neither a step"));
  EXPECT_THAT(typo.status().message(), HasSubstr("'<step>.outputs[.<tensor>]'"));
}

TEST(PlanPipeline, TriggerOnlyPipelineInputIsOptionalOfAnyType) {
  absl::StatusOr<PipelinePlan> plan =
      Plan("  steps:\n    - name: a\n      triggers: [p.inputs.go]\n  output: {steps: [a]}\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->config.inputs.size(), 3u);
  EXPECT_EQ(plan->config.inputs[2].name, "go");
  EXPECT_TRUE(plan->config.inputs[2].optional);
  EXPECT_TRUE(plan->config.inputs[0].optional);  // a step with triggers may be skipped
}

struct BadPlan {
  std::string spec;
  std::string message;
};

class PlanPipelineErrors : public ::testing::TestWithParam<BadPlan> {};

TEST_P(PlanPipelineErrors, NameStepAndProblem) {
  absl::StatusOr<PipelinePlan> plan = Plan(GetParam().spec);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(Message(plan.status())), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PlanPipelineErrors,
    ::testing::Values(
        BadPlan{
            "  steps:\n    - name: a\n    - name: b\n      inputs: [x]\n  output: {steps: [b]}\n",
            "p.yaml:8: step 'b' inputs: 'x' names 'x', which is neither a step of pipeline "
            "'p' nor the pipeline itself"},
        BadPlan{"  steps:\n    - name: a\n      inputs: [a.outputs.NOPE]\n  output: {steps: [a]}\n",
                "names tensor 'NOPE', which is not an output of model 'a' (outputs: OUTPUT0, "
                "OUTPUT1)"},
        BadPlan{
            "  steps:\n    - name: a\n    - name: b\n      inputs: [a]\n  output: {steps: [b]}\n",
            "step 'b': is given tensor 'OUTPUT0' (from 'a'), which is not an input of model "
            "'b'"},
        BadPlan{"  steps:\n    - name: a\n    - name: b\n      inputs: [a.outputs.OUTPUT0]\n"
                "      tensorMap: {a.outputs.OUTPUT0: INPUT0}\n  output: {steps: [b]}\n",
                "input 'INPUT1' of model 'b' is fed by none of its inputs"},
        BadPlan{"  steps:\n    - name: a\n    - name: ints\n      inputs: [a]\n"
                "      tensorMap: {a.outputs.OUTPUT0: INPUT0, a.outputs.OUTPUT1: INPUT1}\n"
                "  output: {steps: [ints]}\n",
                "tensor 'OUTPUT0' from 'a' is FP32 but input 'INPUT0' of model 'ints' takes INT64"},
        BadPlan{"  steps:\n    - name: a\n      inputs: [b]\n"
                "      tensorMap: {b.outputs.OUTPUT0: INPUT0, b.outputs.OUTPUT1: INPUT1}\n"
                "    - name: b\n      inputs: [a]\n"
                "      tensorMap: {a.outputs.OUTPUT0: INPUT0, a.outputs.OUTPUT1: INPUT1}\n"
                "  output: {steps: [b]}\n",
                "steps wait on each other (a cycle): 'a' <- 'b' <- 'a'"},
        BadPlan{"  steps:\n    - name: a\n", "spec.output is missing"},
        BadPlan{"  steps:\n    - name: a\n    - name: b\n  output: {steps: [a, b]}\n",
                "output 'OUTPUT0' comes from two references"},
        BadPlan{"  steps:\n    - name: a\n      inputs: [p.outputs]\n  output: {steps: [a]}\n",
                "names the pipeline's own outputs"}));

TEST(PlanPipeline, UnknownModelKeepsTheLookupsCodeAndNamesTheStep) {
  absl::StatusOr<PipelinePlan> plan =
      Plan("  steps:\n    - name: nope\n  output: {steps: [nope]}\n");
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(Message(plan.status())),
              HasSubstr("p.yaml:6: step 'nope': unknown model"));
}

TEST(PlanPipeline, AnOpenModelTakesAnyTensorAndItsOutputsAreKnownAtRunTime) {
  // The pipeline's inputs reach a model that declares none; its outputs (all of them, and
  // one by a name it does not declare) feed a declared model and the pipeline's output.
  absl::StatusOr<PipelinePlan> plan = Plan(R"(  steps:
    - name: open
      inputs: [p.inputs.in-x]
    - name: a
      inputs: [open.outputs.y, open.outputs.z]
      tensorMap: {open.outputs.y: INPUT0, open.outputs.z: INPUT1}
  output:
    steps: [open, a.outputs.OUTPUT0]
    tensorMap: {open.outputs.y: why}
)");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_TRUE(plan->config.any_inputs);  // the open step checks what it is given
  EXPECT_TRUE(plan->config.inputs.empty());
  EXPECT_TRUE(plan->config.any_outputs);
  EXPECT_TRUE(plan->config.outputs.empty());
  ASSERT_EQ(plan->outputs.size(), 2u);
  EXPECT_TRUE(plan->outputs[0].every_tensor);
  EXPECT_EQ(plan->outputs[0].rename, (std::map<std::string, std::string>{{"y", "why"}}));
  EXPECT_FALSE(plan->outputs[1].every_tensor);
  ASSERT_EQ(plan->steps[1].inputs.size(), 2u);
  EXPECT_EQ(plan->steps[1].inputs[0].feeds.size(), 1u);
  EXPECT_EQ(plan->steps[1].inputs[0].feeds[0].to, "INPUT0");
}

TEST(PlanPipeline, AllThePipelinesInputsGoToAnOpenModelUnderTheirTensorMapNames) {
  absl::StatusOr<PipelinePlan> plan = Plan(R"(  steps:
    - name: open
      tensorMap: {p.inputs.a: renamed}
  output:
    steps: [open]
)");
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->steps[0].inputs.size(), 1u);
  EXPECT_TRUE(plan->steps[0].inputs[0].every_tensor);
  EXPECT_EQ(plan->steps[0].inputs[0].rename,
            (std::map<std::string, std::string>{{"a", "renamed"}}));
  EXPECT_TRUE(plan->config.any_inputs);
  EXPECT_TRUE(plan->config.any_outputs);
}

TEST(PlanPipeline, ADeclaredModelsUnknownOutputIsStillALoadError) {
  // Only open models defer the check: a declared one keeps it.
  absl::StatusOr<PipelinePlan> plan = Plan(R"(  steps:
    - name: a
    - name: open
      inputs: [a.outputs.NOPE]
  output:
    steps: [open]
)");
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(Message(plan.status()),
              HasSubstr("names tensor 'NOPE', which is not an output of model 'a'"));
}

}  // namespace
}  // namespace tensord
