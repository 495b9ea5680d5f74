// The Server through its service interface: the load executor keeps loads off the
// caller's thread, and what it reports comes from one place.
#include "serving/server.h"

#include <future>
#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "repository/test_util/fake_runtime.h"
#include "repository/test_util/temp_repository.h"

namespace tensord {
namespace {

using ::testing::HasSubstr;

// A runtime whose loads of models named "slow" wait until the test opens the gate.
class GatedRuntime final : public runtime::Runtime {
 public:
  std::string_view default_model_filename() const override { return "model.fake"; }
  absl::StatusOr<runtime::ModelPtr> Load(const ModelConfig& config,
                                         const std::filesystem::path& path) override {
    if (config.name == "slow") {
      entered_.set_value();
      gate_.wait();
    }
    return fake_.Load(config, path);
  }
  std::future<void> Entered() { return entered_.get_future(); }
  void Open() { open_.set_value(); }

 private:
  testing::FakeRuntime fake_;
  std::promise<void> entered_;
  std::promise<void> open_;
  std::shared_future<void> gate_ = open_.get_future().share();
};

constexpr std::string_view kEcho = "max_batch_size 8\ninput x FP32 2\noutput y FP32 2\n";

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_.Write("echo/1/model.fake", kEcho);
    folder_.Write("slow/1/model.fake", kEcho);
    folder_.Write("echo/config.pbtxt", "name: \"echo\"\ninstance_group [{ count: 2 }]\n");
    registry_.Register("fake", runtime_);
    registry_.AddFileExtension(".fake", "fake");
  }

  std::unique_ptr<Server> Start(ModelControlMode mode, std::vector<std::string> startup = {}) {
    absl::StatusOr<std::unique_ptr<Server>> server =
        Server::Create({.model_repository = folder_.path(),
                        .model_control_mode = mode,
                        .startup_models = std::move(startup)},
                       registry_);
    EXPECT_TRUE(server.ok()) << server.status();
    return server.ok() ? *std::move(server) : nullptr;
  }

  static absl::Status Infer(InferenceService& service, const std::string& model) {
    auto request = std::make_unique<InferRequest>();
    request->model_name = model;
    auto bytes = std::make_shared<std::string>(2 * sizeof(float), '\0');
    request->inputs.push_back(
        Tensor{.name = "x",
               .datatype = DataType::kFp32,
               .shape = {1, 2},
               .data = Buffer::View(std::as_bytes(std::span(bytes->data(), bytes->size())), bytes)});
    std::promise<absl::Status> done;
    service.InferAsync(std::move(request),
                       [&done](InferResult result) { done.set_value(result.status()); });
    return done.get_future().get();
  }

  testing::TempFolder folder_{"tensord_server_test"};
  std::shared_ptr<GatedRuntime> runtime_ = std::make_shared<GatedRuntime>();
  runtime::RuntimeRegistry registry_;
};

TEST_F(ServerTest, ALoadRunsOnTheExecutorWhileTheCallerAndInferenceGoOn) {
  std::unique_ptr<Server> server = Start(ModelControlMode::kExplicit, {"echo"});
  ASSERT_NE(server, nullptr);
  InferenceService& service = *server;
  std::future<void> entered = runtime_->Entered();
  std::promise<absl::Status> loaded;
  service.LoadModelAsync("slow", {}, [&loaded](absl::Status s) { loaded.set_value(std::move(s)); });
  // LoadModelAsync returned; the load is running, held at the gate, on another thread.
  entered.wait();
  std::future<absl::Status> outcome = loaded.get_future();
  EXPECT_EQ(outcome.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  // Another model serves meanwhile.
  EXPECT_TRUE(Infer(service, "echo").ok());
  runtime_->Open();
  EXPECT_TRUE(outcome.get().ok());
  EXPECT_TRUE(service.ModelReady("slow", "").ok());
}

TEST_F(ServerTest, LoadAndUnloadAreRefusedOutsideExplicitModeWithTritonsWords) {
  runtime_->Open();
  std::unique_ptr<Server> server = Start(ModelControlMode::kNone);
  ASSERT_NE(server, nullptr);
  std::promise<absl::Status> loaded, unloaded;
  server->LoadModelAsync("echo", {}, [&](absl::Status s) { loaded.set_value(std::move(s)); });
  server->UnloadModelAsync("echo", [&](absl::Status s) { unloaded.set_value(std::move(s)); });
  for (std::promise<absl::Status>* p : {&loaded, &unloaded}) {
    const absl::Status s = p->get_future().get();
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
    EXPECT_THAT(std::string(s.message()), HasSubstr("not allowed if polling is enabled"));
  }
}

TEST_F(ServerTest, UnloadGoesThroughTheExecutorToo) {
  runtime_->Open();
  std::unique_ptr<Server> server = Start(ModelControlMode::kExplicit, {"echo"});
  ASSERT_NE(server, nullptr);
  std::promise<absl::Status> unloaded;
  server->UnloadModelAsync("echo", [&](absl::Status s) { unloaded.set_value(std::move(s)); });
  EXPECT_TRUE(unloaded.get_future().get().ok());
  EXPECT_EQ(server->ModelReady("echo", "").code(), absl::StatusCode::kUnavailable);
  std::promise<absl::Status> unknown;
  server->UnloadModelAsync("nope", [&](absl::Status s) { unknown.set_value(std::move(s)); });
  const absl::Status s = unknown.get_future().get();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()), HasSubstr("'nope'"));
}

TEST_F(ServerTest, ConfigAndStatsReportTheInstancesThatRun) {
  runtime_->Open();
  std::unique_ptr<Server> server = Start(ModelControlMode::kNone);
  ASSERT_NE(server, nullptr);
  absl::StatusOr<ModelConfig> config = server->GetModelConfig("echo", "");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->instance_count, 2);
  // "slow" names no count: the config reports the one instance the server runs.
  absl::StatusOr<ModelConfig> slow = server->GetModelConfig("slow", "1");
  ASSERT_TRUE(slow.ok()) << slow.status();
  EXPECT_EQ(slow->instance_count, 1);

  ASSERT_TRUE(Infer(*server, "echo").ok());
  absl::StatusOr<std::vector<ModelStats>> stats = server->GetModelStats("echo", "");
  ASSERT_TRUE(stats.ok()) << stats.status();
  ASSERT_EQ(stats->size(), 1u);
  EXPECT_EQ((*stats)[0].name, "echo");
  EXPECT_EQ((*stats)[0].version, "1");
  EXPECT_EQ((*stats)[0].stats.success_count, 1u);
  EXPECT_EQ((*stats)[0].stats.instance_count, 2u);
}

}  // namespace
}  // namespace tensord
