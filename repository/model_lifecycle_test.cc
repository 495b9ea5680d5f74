// Load, unload, reload and poll of single models, and the release of versions on the
// reaper thread (repository/servable_reaper.h).
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "core/status_util.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "repository/model_repository.h"
#include "repository/test_util/fake_runtime.h"
#include "repository/test_util/temp_repository.h"

namespace tensord {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::string_view kEcho = "input x FP32 4\noutput y FP32 4\n";

class ModelLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::RegisterFakeRuntime(registry_);
    absl::StatusOr<std::unique_ptr<ModelRepository>> repo =
        ModelRepository::Open({.root = root_}, registry_);
    ASSERT_TRUE(repo.ok()) << repo.status();
    repo_ = *std::move(repo);
  }
  void TearDown() override { repo_.reset(); }

  void Write(const std::string& relative, std::string_view text) { folder_.Write(relative, text); }

  std::vector<std::string> IndexRows() const { return testing::IndexRows(*repo_); }

  static std::unique_ptr<InferRequest> EchoRequest() {
    auto request = std::make_unique<InferRequest>();
    request->model_name = "echo";
    std::vector<float> values = {1, 2, 3, 4};
    request->inputs.push_back(
        {.name = "x",
         .datatype = DataType::kFp32,
         .shape = {4},
         .data = Buffer::Copy(std::as_bytes(std::span<const float>(values)))});
    return request;
  }

  static int Instances(const ModelHandle& handle) {
    return dynamic_cast<const testing::FakeModel&>(handle->model()).instance_count();
  }

  testing::TempFolder folder_{"tensord_life"};
  const fs::path& root_ = folder_.path();
  runtime::RuntimeRegistry registry_;
  std::unique_ptr<ModelRepository> repo_;
};

TEST_F(ModelLifecycleTest, LoadAndUnloadByName) {
  Write("echo/1/model.fake", kEcho);
  EXPECT_THAT(IndexRows(), ElementsAre());  // explicit mode: nothing loaded yet
  ASSERT_TRUE(repo_->Load("echo").ok());
  EXPECT_THAT(IndexRows(), ElementsAre("echo 1 READY"));
  ASSERT_TRUE(repo_->Get("echo", "").ok());

  ASSERT_TRUE(repo_->Unload("echo").ok());
  repo_->WaitForReleased();
  EXPECT_THAT(IndexRows(), ElementsAre("echo 1 UNAVAILABLE unloaded"));
  EXPECT_EQ(repo_->Get("echo", "").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(repo_->AllReady());  // unloaded on purpose is not a failure

  ASSERT_TRUE(repo_->Load("echo").ok());
  EXPECT_THAT(IndexRows(), ElementsAre("echo 1 READY"));
}

TEST_F(ModelLifecycleTest, UnloadingWhileARequestHoldsTheVersion) {
  Write("echo/1/model.fake", kEcho);
  ASSERT_TRUE(repo_->Load("echo").ok());
  ModelHandle held = *repo_->Get("echo", "");
  ASSERT_TRUE(repo_->Unload("echo").ok());
  EXPECT_THAT(IndexRows(), ElementsAre("echo 1 UNLOADING unloading"));
  held.reset();
  repo_->WaitForReleased();
  EXPECT_THAT(IndexRows(), ElementsAre("echo 1 UNAVAILABLE unloaded"));
}

TEST_F(ModelLifecycleTest, BadInputs) {
  Write("echo/1/model.fake", kEcho);
  const auto expect = [](const absl::Status& status, absl::StatusCode code,
                         std::string_view message) {
    EXPECT_EQ(status.code(), code) << status;
    EXPECT_EQ(Message(status), message);
  };
  expect(repo_->Load("missing"), absl::StatusCode::kNotFound,
         "failed to load model 'missing': no folder 'missing' in the model repository");
  expect(repo_->Load(".."), absl::StatusCode::kInvalidArgument,
         "model name '..' is not valid: it must name a folder inside the repository");
  expect(repo_->Load("../echo"), absl::StatusCode::kInvalidArgument,
         "model name '../echo' is not valid: it must not start with '.'");
  expect(repo_->Load("a/b"), absl::StatusCode::kInvalidArgument,
         "model name 'a/b' is not valid: it must not contain '/' or '\\'");
  expect(repo_->Load("/etc"), absl::StatusCode::kInvalidArgument,
         "model name '/etc' is not valid: it must not contain '/' or '\\'");
  expect(repo_->Load(std::string_view("a\0b", 3)), absl::StatusCode::kInvalidArgument,
         "model name 'a\\x00b' is not valid: it must not contain control characters");
  expect(repo_->Load(""), absl::StatusCode::kInvalidArgument,
         "model name '' is not valid: it is empty");
  expect(repo_->Unload("never"), absl::StatusCode::kNotFound,
         "failed to unload model 'never': unknown model");
  expect(repo_->Load("echo", {.config_json = "{not json"}), absl::StatusCode::kInvalidArgument,
         "failed to load model 'echo': config override: not valid JSON");
  expect(repo_->Load("echo", {.config_json = "[1]"}), absl::StatusCode::kInvalidArgument,
         "failed to load model 'echo': config override: must be a JSON object, got [1]");
  // A version policy other than the folder's (an equal one is accepted, as in Triton).
  expect(repo_->Load("echo",
                     {.config_json = R"({"version_policy": {"latest": {"num_versions": 2}}})"}),
         absl::StatusCode::kInvalidArgument,
         "failed to load model 'echo': config override: field 'version_policy' "
         "({\"latest\":{\"num_versions\":2}}) differs from what the model has and cannot be "
         "changed at load time; change the model's config file");
  expect(repo_->Load("echo", {.config_json = R"({"name": "other"})"}),
         absl::StatusCode::kInvalidArgument,
         "failed to load model 'echo': config override: name \"other\" does not match the model "
         "being loaded, 'echo'");
  expect(repo_->Load("echo", {.config_json = R"({"parallel_workers": -1})"}),
         absl::StatusCode::kInvalidArgument,
         "failed to load model 'echo': config override: parallel_workers must be a number >= 0, "
         "got -1");
  const absl::Status unknown = repo_->Load("echo", {.config_json = R"({"max_batch_sizes": 4})"});
  EXPECT_EQ(unknown.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(unknown), HasSubstr("max_batch_sizes"));
  EXPECT_THAT(IndexRows(), ElementsAre());  // nothing was loaded by the bad requests
}

TEST_F(ModelLifecycleTest, ConfigOverrideChangesInstancesAndBatching) {
  Write("echo/config.pbtxt", "max_batch_size: 8\n");
  Write("echo/1/model.fake", kEcho);
  ASSERT_TRUE(repo_
                  ->Load("echo", {.config_json = R"({"instance_group": [{"count": 3}],
      "dynamic_batching": {"max_queue_delay_microseconds": 2000}})"})
                  .ok());
  ModelHandle handle = *repo_->Get("echo", "");
  EXPECT_EQ(Instances(handle), 3);
  ASSERT_TRUE(handle->config().batching.has_value());
  EXPECT_EQ(handle->config().batching->max_queue_delay, std::chrono::microseconds(2000));
  EXPECT_EQ(handle->config().max_batch_size, 8);

  // MLServer's names, as tensord-bench sends them.
  ASSERT_TRUE(repo_
                  ->Load("echo", {.config_json = R"({"parallel_workers": 2,
      "max_batch_size": 16, "max_batch_time": 0.005})"})
                  .ok());
  handle = *repo_->Get("echo", "");
  EXPECT_EQ(Instances(handle), 2);
  EXPECT_EQ(handle->config().max_batch_size, 16);
  EXPECT_EQ(handle->config().batching->max_queue_delay, std::chrono::microseconds(5000));
}

TEST_F(ModelLifecycleTest, AReloadSwapsAndAFailedOneKeepsTheOldVersion) {
  Write("echo/1/model.fake", kEcho);
  ASSERT_TRUE(repo_->Load("echo").ok());
  ModelHandle first = *repo_->Get("echo", "");
  ASSERT_TRUE(repo_->Load("echo").ok());
  ModelHandle second = *repo_->Get("echo", "");
  EXPECT_NE(first, second);

  Write("echo/1/model.fake", "fail_load the new weights are corrupt\n");
  const absl::Status failed = repo_->Load("echo");
  EXPECT_EQ(failed.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(failed), HasSubstr("failed to load model 'echo': version 1: "));
  EXPECT_THAT(Message(failed), HasSubstr("the new weights are corrupt"));
  EXPECT_EQ(*repo_->Get("echo", ""), second);  // still serving
  EXPECT_THAT(IndexRows(), ElementsAre("echo 1 READY"));
}

// The hazard servable_reaper.h exists for: the request's callback holds the last handle and
// runs on the version's own scheduler worker.
TEST_F(ModelLifecycleTest, TheLastHandleReleasedOnAWorkerThread) {
  Write("echo/1/model.fake", kEcho);
  ASSERT_TRUE(repo_->Load("echo").ok());
  ModelHandle handle = *repo_->Get("echo", "");
  std::weak_ptr<const ServableModel> watch = handle;
  ASSERT_TRUE(repo_->Unload("echo").ok());

  std::promise<std::thread::id> worker;
  const ServableModel& servable = *handle;
  servable.Enqueue(EchoRequest(), [handle = std::move(handle), &worker](InferResult result) {
    EXPECT_TRUE(result.ok()) << result.status();
    worker.set_value(std::this_thread::get_id());
  });  // from here the callback owns the only handle
  EXPECT_NE(worker.get_future().get(), std::this_thread::get_id());
  repo_->WaitForReleased();
  // The callback may still be unwinding on the worker; the reaper waits for it.
  for (int i = 0; i < 1000 && !watch.expired(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(watch.expired());
  repo_->WaitForReleased();
  EXPECT_THAT(IndexRows(), ElementsAre("echo 1 UNAVAILABLE unloaded"));
}

TEST_F(ModelLifecycleTest, ConcurrentRequestsDuringReloadsAllSucceed) {
  Write("echo/1/model.fake", kEcho);
  ASSERT_TRUE(repo_->Load("echo").ok());
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  std::atomic<bool> stop{false};
  std::thread client([&] {
    while (!stop) {
      absl::StatusOr<ModelHandle> handle = repo_->Get("echo", "");
      if (!handle.ok()) {
        ++failed;
        continue;
      }
      std::promise<bool> done;
      const ServableModel& servable = **handle;
      servable.Enqueue(EchoRequest(), [h = *std::move(handle), &done](InferResult result) {
        done.set_value(result.ok());
      });
      (done.get_future().get() ? ok : failed)++;
    }
  });
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(repo_->Load("echo").ok());
  stop = true;
  client.join();
  EXPECT_EQ(failed, 0);
  EXPECT_GT(ok, 0);
}

TEST_F(ModelLifecycleTest, PollLoadsNewReloadsChangedKeepsBrokenAndUnloadsRemoved) {
  Write("a/1/model.fake", kEcho);
  repo_->Poll();
  EXPECT_THAT(IndexRows(), ElementsAre("a 1 READY"));
  ModelHandle a = *repo_->Get("a", "");

  repo_->Poll();  // nothing changed: the same version serves
  EXPECT_EQ(*repo_->Get("a", ""), a);

  Write("b/1/model.fake", kEcho);
  Write("a/1/model.fake", "fail_load broken on disk\n# changed\n");
  repo_->Poll();
  EXPECT_THAT(IndexRows(), ElementsAre("a 1 READY", "b 1 READY"));
  EXPECT_EQ(*repo_->Get("a", ""), a);  // the broken reload kept the old version

  fs::remove_all(root_ / "b");
  repo_->Poll();
  EXPECT_THAT(IndexRows(), ElementsAre("a 1 READY"));
  EXPECT_EQ(repo_->Get("b", "").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ModelLifecycleTest, ReadyVersionsForStatistics) {
  Write("a/1/model.fake", kEcho);
  Write("a/2/model.fake", kEcho);
  Write("b/1/model.fake", kEcho);
  repo_->LoadAll();
  EXPECT_EQ(repo_->ReadyVersions("", "")->size(), 3u);
  EXPECT_EQ(repo_->ReadyVersions("a", "")->size(), 2u);
  EXPECT_EQ(repo_->ReadyVersions("a", "2")->front()->version(), "2");
  EXPECT_EQ(repo_->ReadyVersions("c", "").status().code(), absl::StatusCode::kNotFound);
}

// Issue 10: a load request or a config file asked for 100,000 instances (threads), and an
// override could make ONNX Runtime write anywhere. Each is refused, and what was serving
// serves on, unchanged.
class LimitedRepositoryTest : public ModelLifecycleTest {
 protected:
  void SetUp() override {
    testing::RegisterFakeRuntime(registry_);
    absl::StatusOr<std::unique_ptr<ModelRepository>> repo =
        ModelRepository::Open({.root = root_, .max_instances_per_model = 4}, registry_);
    ASSERT_TRUE(repo.ok()) << repo.status();
    repo_ = *std::move(repo);
  }
};

TEST_F(LimitedRepositoryTest, InstanceCountsPastTheLimitAreRefused) {
  Write("echo/config.pbtxt", "instance_group { count: 2 }\n");
  Write("echo/1/model.fake", kEcho);
  ASSERT_TRUE(repo_->Load("echo").ok());
  ModelHandle serving = *repo_->Get("echo", "");

  const absl::Status override =
      repo_->Load("echo", {.config_json = R"({"instance_group": [{"count": 3000}]})"});
  EXPECT_EQ(override.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(override),
            "failed to load model 'echo': config override: instance_group count asks for 3000 "
            "instances; the limit is 4 per "
            "model (--max-instances-per-model)");
  const absl::Status workers =
      repo_->Load("echo", {.config_json = R"({"parallel_workers": 100000})"});
  EXPECT_EQ(Message(workers),
            "failed to load model 'echo': config override: parallel_workers asks for 100000 "
            "instances; the limit is 4 per "
            "model (--max-instances-per-model)");

  // The same from the config file, on a reload: refused, the old version serves on.
  Write("echo/config.pbtxt", "instance_group [ { count: 3 }, { count: 2 } ]\n");
  const absl::Status file = repo_->Load("echo");
  EXPECT_EQ(file.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(file),
            fmt::format("failed to load model 'echo': {}: instance_group count asks for 5 "
                        "instances; the limit is 4 per model (--max-instances-per-model)",
                        (root_ / "echo/config.pbtxt").string()));
  EXPECT_EQ(*repo_->Get("echo", ""), serving);
  EXPECT_EQ(Instances(serving), 2);
  EXPECT_THAT(IndexRows(), ElementsAre("echo 1 READY"));

  Write("iris/model-settings.json", R"({"parallel_workers": 5, "parameters": {"uri":
      "model.fake"}})");
  Write("iris/model.fake", kEcho);
  EXPECT_EQ(Message(repo_->Load("iris")),
            fmt::format("failed to load model 'iris': {}: parallel_workers asks for 5 instances; "
                        "the limit is 4 per model (--max-instances-per-model)",
                        (root_ / "iris/model-settings.json").string()));
  EXPECT_EQ(repo_->Get("iris", "").status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(LimitedRepositoryTest, AnOverrideCannotNameAFileOnTheServer) {
  Write("echo/1/model.fake", kEcho);
  ASSERT_TRUE(repo_->Load("echo").ok());
  ModelHandle serving = *repo_->Get("echo", "");
  const absl::Status status =
      repo_->Load("echo", {.config_json = R"({"parameters": {"optimized_model_path":
      {"string_value": "/tmp/x/x.onnx"}}})"});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(status),
            "failed to load model 'echo': config override: parameter 'optimized_model_path' names "
            "a file on the server and "
            "cannot be set by a load request; set it in the model's config file");
  EXPECT_EQ(*repo_->Get("echo", ""), serving);
  EXPECT_EQ(serving->config().parameters.count("optimized_model_path"), 0u);
}

TEST_F(LimitedRepositoryTest, TheDefaultInstanceCountMustFitTheLimit) {
  absl::StatusOr<std::unique_ptr<ModelRepository>> repo = ModelRepository::Open(
      {.root = root_, .default_instance_count = 5, .max_instances_per_model = 4}, registry_);
  EXPECT_EQ(repo.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(repo.status()),
            "--parallel-workers 5 is past the limit of 4 instances per model "
            "(--max-instances-per-model)");
}

TEST_F(ModelLifecycleTest, TheDefaultLimitIsFourInstancesPerCpuAndAtLeastSixteen) {
  Write("echo/config.pbtxt", "instance_group { count: 16 }\n");
  Write("echo/1/model.fake", kEcho);
  EXPECT_TRUE(repo_->Load("echo").ok());
  Write("echo/config.pbtxt", "instance_group { count: 100000 }\n");
  EXPECT_THAT(Message(repo_->Load("echo")),
              HasSubstr("instance_group count asks for 100000 instances; the limit is "));
}

}  // namespace
}  // namespace tensord
