// PipelineRuntime's Execute against real schedulers in front of fake step models
// (scheduler/test_util/fake_model.h: y = x + 1): where the steps run, and what a cancelled
// pipeline request does to its steps. No repository: the lookup is a map of handles.
#include "serving/pipeline/pipeline_runtime.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/status_util.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "repository/servable_model.h"
#include "scheduler/scheduler.h"
#include "scheduler/test_util/fake_model.h"
#include "serving/ensemble/step_request_context.h"
#include "serving/pipeline/pipeline_files.h"
#include "serving/pipeline/pipeline_plan.h"

namespace tensord {
namespace {

using ::testing::HasSubstr;
using scheduler::FakeModel;

const char* const kChain = R"(
  steps:
    - name: a
    - name: b
      inputs: [a.outputs.y]
      tensorMap: {a.outputs.y: x}
    - name: c
      inputs: [b.outputs.y]
      tensorMap: {b.outputs.y: x}
  output:
    steps: [c.outputs.y]
    tensorMap: {c.outputs.y: out}
)";

// a and b side by side on the pipeline's input.
const char* const kDiamond = R"(
  steps:
    - name: a
    - name: b
  output:
    steps: [a.outputs.y, b.outputs.y]
    tensorMap: {a.outputs.y: from_a, b.outputs.y: from_b}
)";

std::vector<Tensor> Input(float first) {
  std::vector<std::byte> bytes(4 * sizeof(float));
  for (int i = 0; i < 4; ++i) {
    const float value = first + static_cast<float>(i);
    std::memcpy(bytes.data() + i * sizeof(float), &value, sizeof(float));
  }
  std::vector<Tensor> inputs;
  inputs.push_back({.name = "x",
                    .datatype = DataType::kFp32,
                    .shape = {4},
                    .data = Buffer::FromVector(std::move(bytes))});
  return inputs;
}

float First(const Tensor& tensor) {
  float value = 0;
  std::memcpy(&value, tensor.data.data(), sizeof(float));
  return value;
}

class PipelineRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Unique per process: ctest runs each test in a process of its own, two at a time, and
    // gtest's random seed (the name's part before) comes from the clock's millisecond, so
    // two tests started together shared a folder and one's TearDown removed the other's.
    dir_ = std::filesystem::path(::testing::TempDir()) /
           fmt::format("pipeline_runtime_test_{}_{}", ::getpid(),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    for (const char* name : {"a", "b", "c"}) AddModel(name);
    runtime_.SetLookup([this](std::string_view name, std::string_view) -> absl::StatusOr<ModelHandle> {
      auto found = handles_.find(std::string(name));
      if (found == handles_.end()) return absl::NotFoundError(fmt::format("no model '{}'", name));
      return found->second;
    });
  }

  void TearDown() override { std::filesystem::remove_all(dir_); }

  void AddModel(const std::string& name, int64_t max_batch_size = 0,
                std::optional<BatchingConfig> batching = std::nullopt) {
    ModelConfig config = FakeModel::Config(max_batch_size, std::move(batching));
    config.name = name;
    auto model = std::make_unique<FakeModel>(config);
    models_[name] = model.get();
    auto servable = std::make_shared<ServableModel>("1", std::move(model));
    absl::StatusOr<scheduler::SchedulerPtr> scheduler = scheduler::CreateScheduler(
        servable->model(), {.model_name = name, .model_version = "1", .instance_count = 1});
    ASSERT_TRUE(scheduler.ok()) << scheduler.status();
    servable->Serve(*std::move(scheduler));
    handles_[name] = servable;
  }

  runtime::InstancePtr Instance(const std::string& name, const std::string& body) {
    const std::filesystem::path folder = dir_ / name;
    std::filesystem::create_directories(folder);
    {
      std::ofstream file(folder / kPipelineFile);
      file << "apiVersion: mlops.seldon.io/v1alpha1\nkind: Pipeline\nmetadata:\n  name: " << name
           << "\nspec:" << body;
    }
    ModelConfig config{.name = name + std::string(kPipelineSuffix)};
    absl::StatusOr<runtime::ModelPtr> model = runtime_.Load(config, folder);
    EXPECT_TRUE(model.ok()) << model.status();
    if (!model.ok()) return nullptr;
    pipelines_.push_back(*std::move(model));
    absl::StatusOr<runtime::InstancePtr> instance = pipelines_.back()->CreateInstance({});
    EXPECT_TRUE(instance.ok()) << instance.status();
    return instance.ok() ? *std::move(instance) : nullptr;
  }

  std::filesystem::path dir_;
  PipelineRuntime runtime_;
  std::map<std::string, FakeModel*> models_;
  std::map<std::string, ModelHandle> handles_;
  std::vector<runtime::ModelPtr> pipelines_;
};

TEST_F(PipelineRuntimeTest, AChainRunsEveryStepOnTheExecutingThread) {
  runtime::InstancePtr chain = Instance("chain", kChain);
  ASSERT_NE(chain, nullptr);
  std::mutex mutex;
  std::vector<std::thread::id> threads;
  for (const char* name : {"a", "b", "c"}) {
    models_[name]->set_on_execute([&](const FakeModel::Call&) {
      std::lock_guard lock(mutex);
      threads.push_back(std::this_thread::get_id());
    });
  }
  const std::vector<Tensor> inputs = Input(1.0f);
  const std::vector<std::string> outputs = {"out"};
  chain->SetRequestContext({.id = "r1"});
  absl::StatusOr<std::vector<Tensor>> result = chain->Execute(inputs, outputs);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->size(), 1u);
  EXPECT_EQ((*result)[0].name, "out");
  EXPECT_EQ(First((*result)[0]), 4.0f);  // 1 + 3 steps
  // No hand-off: the step models' schedulers ran each step on the thread in Execute.
  ASSERT_EQ(threads.size(), 3u);
  for (const std::thread::id& thread : threads) EXPECT_EQ(thread, std::this_thread::get_id());
}

TEST_F(PipelineRuntimeTest, AStepOfAModelThatBatchesGoesThroughItsQueue) {
  AddModel("batched", /*max_batch_size=*/8, BatchingConfig{});
  runtime::InstancePtr pipeline =
      Instance("to_batch", "\n  steps:\n    - name: batched\n  output: {steps: [batched.outputs.y]}\n");
  ASSERT_NE(pipeline, nullptr);
  std::thread::id ran_on;
  models_["batched"]->set_on_execute(
      [&](const FakeModel::Call&) { ran_on = std::this_thread::get_id(); });
  std::vector<Tensor> inputs = Input(1.0f);
  inputs[0].shape = {1, 4};
  const std::vector<std::string> outputs = {"y"};
  absl::StatusOr<std::vector<Tensor>> result = pipeline->Execute(inputs, outputs);
  ASSERT_TRUE(result.ok()) << result.status();
  // Its worker formed the batch (the executing thread only waited).
  EXPECT_NE(ran_on, std::this_thread::get_id());
}

TEST_F(PipelineRuntimeTest, IndependentStepsStillRunSideBySide) {
  runtime::InstancePtr diamond = Instance("diamond", kDiamond);
  ASSERT_NE(diamond, nullptr);
  // Each branch waits until the other has started: they can only finish side by side.
  // (The wait's time limit only turns a hang into a failure.)
  std::mutex mutex;
  std::condition_variable changed;
  int started = 0;
  bool together = true;
  for (const char* name : {"a", "b"}) {
    models_[name]->set_on_execute([&](const FakeModel::Call&) {
      std::unique_lock lock(mutex);
      ++started;
      changed.notify_all();
      together = changed.wait_for(lock, std::chrono::seconds(10), [&] { return started == 2; }) &&
                 together;
    });
  }
  const std::vector<Tensor> inputs = Input(1.0f);
  const std::vector<std::string> outputs = {"from_a", "from_b"};
  absl::StatusOr<std::vector<Tensor>> result = diamond->Execute(inputs, outputs);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->size(), 2u);
  EXPECT_EQ(First((*result)[0]), 2.0f);
  EXPECT_EQ(First((*result)[1]), 2.0f);
  EXPECT_TRUE(together);
}

TEST_F(PipelineRuntimeTest, AStepCanReadWhatAnotherStepWasGiven) {
  // c takes what b was given (a's output), once b is done: b's request must not have taken
  // those tensors away.
  runtime::InstancePtr given = Instance("given", R"(
  steps:
    - name: a
    - name: b
      inputs: [a.outputs.y]
      tensorMap: {a.outputs.y: x}
    - name: c
      inputs: [b.inputs.x]
      triggers: [b]
  output:
    steps: [c.outputs.y, b.outputs.y]
    tensorMap: {c.outputs.y: from_c, b.outputs.y: from_b}
)");
  ASSERT_NE(given, nullptr);
  const std::vector<Tensor> inputs = Input(1.0f);
  const std::vector<std::string> outputs = {"from_c", "from_b"};
  absl::StatusOr<std::vector<Tensor>> result = given->Execute(inputs, outputs);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->size(), 2u);
  EXPECT_EQ(First((*result)[0]), 3.0f);
  EXPECT_EQ(First((*result)[1]), 3.0f);
}

TEST_F(PipelineRuntimeTest, AStepThatFailsNamesItselfAndTheRestIsSkipped) {
  runtime::InstancePtr chain = Instance("chain", kChain);
  ASSERT_NE(chain, nullptr);
  models_["b"]->set_failure(absl::InvalidArgumentError("b says no"));
  const std::vector<Tensor> inputs = Input(1.0f);
  const std::vector<std::string> outputs = {"out"};
  absl::StatusOr<std::vector<Tensor>> result = chain->Execute(inputs, outputs);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(result.status()), HasSubstr("pipeline 'chain' step 'b': b says no"));
  EXPECT_TRUE(models_["c"]->calls().empty());
}

TEST_F(PipelineRuntimeTest, ACancelledRequestsStepsThatDidNotStartAreNotRun) {
  runtime::InstancePtr chain = Instance("chain", kChain);
  ASSERT_NE(chain, nullptr);
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  // The client goes away while step a runs: b and c, not started yet, must not run.
  models_["a"]->set_on_execute([&](const FakeModel::Call&) { cancelled->store(true); });
  chain->SetRequestContext({.id = "gone", .cancelled = cancelled});
  const std::vector<Tensor> inputs = Input(1.0f);
  const std::vector<std::string> outputs = {"out"};
  absl::StatusOr<std::vector<Tensor>> result = chain->Execute(inputs, outputs);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kCancelled) << result.status();
  EXPECT_THAT(Message(result.status()), HasSubstr("pipeline 'chain' step 'b'"));
  EXPECT_EQ(models_["a"]->calls().size(), 1u);
  EXPECT_TRUE(models_["b"]->calls().empty());
  EXPECT_TRUE(models_["c"]->calls().empty());
}

TEST(StepDeadlineTest, StepRequestsShareTheCompositeRequestsCancellation) {
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  StepRequestContext context;
  context.Set({.id = "r", .cancelled = cancelled});
  EXPECT_EQ(context.Take().cancelled, cancelled);
  const StepDeadline run{.id = "r", .cancelled = cancelled};
  InferRequest step;
  ASSERT_TRUE(run.Apply(step).ok());
  EXPECT_EQ(step.cancelled, cancelled);  // the same flag: a step already queued is dropped
  EXPECT_EQ(step.id, "r");
  cancelled->store(true);
  InferRequest later;
  const absl::Status refused = run.Apply(later);
  EXPECT_EQ(refused.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(Message(refused), "the request was cancelled before the step could start");
}

}  // namespace
}  // namespace tensord
