#include "repository/model_repository.h"

#include <grp.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>

#include "core/status_util.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "repository/test_util/fake_runtime.h"
#include "repository/test_util/temp_repository.h"

namespace tensord {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::string_view kEcho = "input x FP32 4\noutput y FP32 4\n";

class ModelRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_ = std::make_shared<testing::FakeRuntime>();
    testing::RegisterFakeRuntime(registry_, fake_);
  }
  void TearDown() override { repo_.reset(); }

  void Write(const std::string& relative, std::string_view text) { folder_.Write(relative, text); }
  std::string Path(const std::string& relative) const { return (root_ / relative).string(); }

  ModelRepository& Load(ModelRepository::Options options = {}) {
    options.root = root_;
    absl::StatusOr<std::unique_ptr<ModelRepository>> repo =
        ModelRepository::Open(options, registry_);
    EXPECT_TRUE(repo.ok()) << repo.status();
    repo_ = *std::move(repo);
    repo_->LoadAll();
    return *repo_;
  }

  // "name version STATE reason" for every Index() row.
  std::vector<std::string> IndexRows() const { return testing::IndexRows(*repo_); }

  void ExpectStatus(const absl::Status& status, absl::StatusCode code, std::string_view message) {
    EXPECT_EQ(status.code(), code) << status;
    EXPECT_EQ(Message(status), message);
  }

  testing::TempFolder folder_{"tensord_repo"};
  const fs::path& root_ = folder_.path();
  runtime::RuntimeRegistry registry_;
  std::shared_ptr<testing::FakeRuntime> fake_;
  std::unique_ptr<ModelRepository> repo_;
};

TEST_F(ModelRepositoryTest, OpenFailsForAMissingRoot) {
  absl::StatusOr<std::unique_ptr<ModelRepository>> repo =
      ModelRepository::Open({.root = root_ / "missing"}, registry_);
  ExpectStatus(repo.status(), absl::StatusCode::kNotFound,
               fmt::format("model repository '{}' does not exist", Path("missing")));
}

TEST_F(ModelRepositoryTest, OpenFailsForAFile) {
  Write("file", "x");
  absl::StatusOr<std::unique_ptr<ModelRepository>> repo =
      ModelRepository::Open({.root = root_ / "file"}, registry_);
  ExpectStatus(repo.status(), absl::StatusCode::kInvalidArgument,
               fmt::format("model repository '{}' is not a folder", Path("file")));
}

// Root reads every folder, and `make test` runs as root: the Open runs in a forked child
// that first drops to nobody (65534), so the permission check is real either way.
TEST_F(ModelRepositoryTest, OpenFailsForAnUnreadableFolder) {
  fs::create_directories(root_ / "locked");
  fs::permissions(root_ / "locked", fs::perms::none);
  // mkdtemp made root_ 0700: let the unprivileged child reach "locked" (not read it).
  fs::permissions(root_, fs::perms::others_exec, fs::perm_options::add);
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(pipe_fds[0]);
    std::string report;
    if (::geteuid() == 0 &&
        (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0)) {
      report = fmt::format("cannot drop root privileges: {}", std::strerror(errno));
    } else {
      absl::StatusOr<std::unique_ptr<ModelRepository>> repo =
          ModelRepository::Open({.root = root_ / "locked"}, registry_);
      report = fmt::format("{} {}", static_cast<int>(repo.status().code()), Message(repo.status()));
    }
    const bool written =
        ::write(pipe_fds[1], report.data(), report.size()) == static_cast<ssize_t>(report.size());
    ::_exit(written ? 0 : 1);
  }
  ::close(pipe_fds[1]);
  std::string report;
  char chunk[512];
  for (ssize_t n; (n = ::read(pipe_fds[0], chunk, sizeof(chunk))) > 0;) report.append(chunk, n);
  ::close(pipe_fds[0]);
  int wait_status = 0;
  ASSERT_EQ(::waitpid(child, &wait_status, 0), child);
  fs::permissions(root_ / "locked", fs::perms::owner_all);
  ASSERT_TRUE(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) << report;
  EXPECT_EQ(report,
            fmt::format("{} model repository '{}' cannot be read: Permission denied",
                        static_cast<int>(absl::StatusCode::kInvalidArgument), Path("locked")));
}

TEST_F(ModelRepositoryTest, EmptyRepositoryIsReady) {
  ModelRepository& repo = Load();
  EXPECT_TRUE(repo.Index().empty());
  EXPECT_TRUE(repo.AllReady());
}

TEST_F(ModelRepositoryTest, NumberedVersionsInNumericOrder) {
  for (const char* v : {"1", "3", "10"}) Write(fmt::format("m/{}/model.fake", v), kEcho);
  ModelRepository& repo = Load();
  EXPECT_THAT(IndexRows(), ElementsAre("m 1 READY", "m 3 READY", "m 10 READY"));
  absl::StatusOr<ModelHandle> latest = repo.Get("m", "");
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_EQ((*latest)->version(), "10");
  absl::StatusOr<ModelHandle> three = repo.Get("m", "3");
  ASSERT_TRUE(three.ok()) << three.status();
  EXPECT_EQ((*three)->version(), "3");
  absl::StatusOr<ModelMetadata> metadata = repo.Metadata("m", "");
  ASSERT_TRUE(metadata.ok()) << metadata.status();
  EXPECT_EQ(metadata->name, "m");
  EXPECT_EQ(metadata->platform, "fake");
  EXPECT_THAT(metadata->versions, ElementsAre("1", "3", "10"));
  EXPECT_TRUE(repo.AllReady());
}

TEST_F(ModelRepositoryTest, FoldersThatAreNotVersionsAreIgnored) {
  Write("m/1/model.fake", kEcho);
  Write("m/01/model.fake", kEcho);  // leading zero
  Write("m/v2/model.fake", kEcho);  // not a number
  Write("m/README.md", "docs");
  Write(".hidden/1/model.fake", kEcho);  // hidden model folder
  Write("notes.txt", "a file at the root");
  Load();
  EXPECT_THAT(IndexRows(), ElementsAre("m 1 READY"));
}

TEST_F(ModelRepositoryTest, NamesWithDotsAndDashes) {
  Write("my-model.v2_final/1/model.fake", kEcho);
  ModelRepository& repo = Load();
  EXPECT_THAT(IndexRows(), ElementsAre("my-model.v2_final 1 READY"));
  EXPECT_TRUE(repo.Get("my-model.v2_final", "1").ok());
}

TEST_F(ModelRepositoryTest, SingleFileModelIsVersionOne) {
  Write("single/anything.fake", kEcho);
  ModelRepository& repo = Load();
  EXPECT_THAT(IndexRows(), ElementsAre("single 1 READY"));
  EXPECT_EQ((*repo.Get("single", ""))->config().platform, "fake");
}

TEST_F(ModelRepositoryTest, ModelSettingsUriAndVersionLabel) {
  Write("folder/model-settings.json",
        R"({"name": "iris", "parameters": {"uri": "./net.fake", "version": "v7"}})");
  Write("folder/net.fake", kEcho);
  ModelRepository& repo = Load();
  EXPECT_THAT(IndexRows(), ElementsAre("iris v7 READY"));
  absl::StatusOr<ModelHandle> handle = repo.Get("iris", "");
  ASSERT_TRUE(handle.ok()) << handle.status();
  EXPECT_EQ((*handle)->version(), "v7");
  EXPECT_EQ((*handle)->config().name, "iris");
  EXPECT_EQ((*handle)->config().source, Path("folder/model-settings.json"));
}

TEST_F(ModelRepositoryTest, ModelSettingsUriToAMissingFile) {
  Write("m/model-settings.json", R"({"parameters": {"uri": "gone.fake"}})");
  ModelRepository& repo = Load();
  const std::string reason = fmt::format("{}: model file not found", Path("m/gone.fake"));
  EXPECT_THAT(IndexRows(), ElementsAre("m 1 UNAVAILABLE " + reason));
  ExpectStatus(repo.Get("m", "1").status(), absl::StatusCode::kUnavailable,
               "model 'm' version 1 is not ready: " + reason);
  EXPECT_FALSE(repo.AllReady());
}

TEST_F(ModelRepositoryTest, VersionFolderWithoutModelFile) {
  Write("m/1/model.fake", kEcho);
  fs::create_directories(root_ / "m/2");
  ModelRepository& repo = Load();
  const std::string reason =
      fmt::format("{}: no model file (expected a model file with a known extension)", Path("m/2"));
  EXPECT_THAT(IndexRows(), ElementsAre("m 1 READY", "m 2 UNAVAILABLE " + reason));
  // The highest READY version serves "".
  EXPECT_EQ((*repo.Get("m", ""))->version(), "1");
  EXPECT_THAT(repo.Metadata("m", "")->versions, ElementsAre("1"));
  ExpectStatus(repo.Get("m", "2").status(), absl::StatusCode::kUnavailable,
               "model 'm' version 2 is not ready: " + reason);
}

TEST_F(ModelRepositoryTest, ConfiguredFileNameInVersionFolders) {
  Write("m/config.pbtxt", R"(backend: "fake_backend" default_model_filename: "weights.bin")");
  Write("m/1/weights.bin", kEcho);
  Write("m/2/model.fake", kEcho);
  Load();
  EXPECT_THAT(IndexRows(), ElementsAre("m 1 READY", fmt::format("m 2 UNAVAILABLE {}: model file "
                                                                "not found",
                                                                Path("m/2/weights.bin"))));
}

TEST_F(ModelRepositoryTest, FolderWithoutAnyModel) {
  Write("empty/README.md", "nothing here");
  ModelRepository& repo = Load();
  const std::string reason =
      fmt::format("{}: no version folders (1/, 2/, ...) and no model file", Path("empty"));
  EXPECT_THAT(IndexRows(), ElementsAre("empty  UNAVAILABLE " + reason));
  ExpectStatus(repo.Get("empty", "").status(), absl::StatusCode::kUnavailable,
               "model 'empty' is not ready: " + reason);
}

TEST_F(ModelRepositoryTest, SeveralCandidateFilesAreAmbiguous) {
  Write("m/a.fake", kEcho);
  Write("m/b.fake", kEcho);
  Load();
  EXPECT_THAT(IndexRows(),
              ElementsAre(fmt::format("m  UNAVAILABLE {}: several model files (a.fake, b.fake); "
                                      "name one in the config",
                                      Path("m"))));
}

TEST_F(ModelRepositoryTest, BadConfigIsUnavailableWhileOthersLoad) {
  Write("bad/config.pbtxt", "max_batch_size: -1");
  Write("bad/1/model.fake", kEcho);
  Write("good/1/model.fake", kEcho);
  ModelRepository& repo = Load();
  const std::string reason =
      fmt::format("{}: max_batch_size must be >= 0, got -1", Path("bad/config.pbtxt"));
  EXPECT_THAT(IndexRows(), ElementsAre("bad  UNAVAILABLE " + reason, "good 1 READY"));
  ExpectStatus(repo.Get("bad", "").status(), absl::StatusCode::kUnavailable,
               "model 'bad' is not ready: " + reason);
  ExpectStatus(repo.Metadata("bad", "").status(), absl::StatusCode::kUnavailable,
               "model 'bad' is not ready: " + reason);
  EXPECT_TRUE(repo.Get("good", "").ok());
  EXPECT_FALSE(repo.AllReady());
}

TEST_F(ModelRepositoryTest, UnknownPlatform) {
  Write("tf/config.pbtxt", R"(platform: "tensorflow_savedmodel")");
  Write("tf/1/model.savedmodel/saved_model.pb", "");
  Load();
  EXPECT_THAT(IndexRows(),
              ElementsAre(fmt::format("tf  UNAVAILABLE {}: platform 'tensorflow_savedmodel' has no "
                                      "runtime in this build (available: fake)",
                                      Path("tf/config.pbtxt"))));
}

TEST_F(ModelRepositoryTest, UnsupportedImplementation) {
  Write("sk/model-settings.json", R"({"implementation": "mlserver_sklearn.SKLearnModel"})");
  ModelRepository& repo = Load();
  absl::Status status = repo.Get("sk", "").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  // This registry has no python runtime (runtime/python/ serves it in the server).
  EXPECT_THAT(Message(status), HasSubstr("platform 'mlserver_sklearn.SKLearnModel' has no "
                                         "runtime in this build"));
}

TEST_F(ModelRepositoryTest, RuntimeLoadFailureNamesTheFile) {
  Write("m/1/model.fake", "fail_load corrupt weights\n");
  Write("m/2/model.fake", "fail_instance out of memory\n");
  ModelRepository& repo = Load();
  EXPECT_THAT(
      IndexRows(),
      ElementsAre(fmt::format("m 1 UNAVAILABLE {}: corrupt weights", Path("m/1/model.fake")),
                  fmt::format("m 2 UNAVAILABLE {}: out of memory", Path("m/2/model.fake"))));
  ExpectStatus(repo.Get("m", "").status(), absl::StatusCode::kUnavailable,
               fmt::format("model 'm' has no ready version: version 2: {}: out of memory",
                           Path("m/2/model.fake")));
}

TEST_F(ModelRepositoryTest, ConfigThatContradictsTheFile) {
  Write("m/config.pbtxt", R"(input { name: "x" data_type: TYPE_INT64 })");
  Write("m/1/model.fake", kEcho);
  Load();
  EXPECT_THAT(IndexRows(),
              ElementsAre(fmt::format("m 1 UNAVAILABLE {}: input 'x': the config ({}) says INT64, "
                                      "the model file says FP32",
                                      Path("m/1/model.fake"), Path("m/config.pbtxt"))));
}

TEST_F(ModelRepositoryTest, DuplicateNamesServeNeither) {
  Write("a/config.pbtxt", R"(name: "same")");
  Write("a/1/model.fake", kEcho);
  Write("b/model-settings.json", R"({"name": "same"})");
  Write("b/1/model.fake", kEcho);
  Write("c/1/model.fake", kEcho);
  ModelRepository& repo = Load();
  const std::string reason =
      fmt::format("model name 'same' is claimed by folders '{}' and '{}'", Path("a"), Path("b"));
  EXPECT_THAT(IndexRows(), ElementsAre("c 1 READY", "same  UNAVAILABLE " + reason));
  ExpectStatus(repo.Get("same", "1").status(), absl::StatusCode::kUnavailable,
               "model 'same' is not ready: " + reason);
}

TEST_F(ModelRepositoryTest, ConfigNameOverridesTheFolderName) {
  Write("folder/config.pbtxt", R"(name: "renamed")");
  Write("folder/1/model.fake", kEcho);
  ModelRepository& repo = Load();
  EXPECT_THAT(IndexRows(), ElementsAre("renamed 1 READY"));
  EXPECT_EQ(repo.Get("folder", "").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ModelRepositoryTest, GetAndMetadataErrors) {
  Write("m/1/model.fake", kEcho);
  ModelRepository& repo = Load();
  ExpectStatus(repo.Get("nope", "").status(), absl::StatusCode::kNotFound, "Request for unknown model: 'nope' is not found");
  ExpectStatus(repo.Get("m", "7").status(), absl::StatusCode::kNotFound,
               "Request for unknown model: 'm' version 7 is not found");
  ExpectStatus(repo.Metadata("nope", "1").status(), absl::StatusCode::kNotFound,
               "Request for unknown model: 'nope' is not found");
  ExpectStatus(repo.Metadata("m", "7").status(), absl::StatusCode::kNotFound,
               "Request for unknown model: 'm' version 7 is not found");
  ExpectStatus(repo.Get("m", "latest").status(), absl::StatusCode::kNotFound,
               "failed to get model version from specified version string 'latest': model 'm' "
               "has no such version, and a version should be an integral value > 0");
}

TEST_F(ModelRepositoryTest, MetadataIsCompletedFromTheModelFile) {
  Write("m/1/model.fake", "max_batch_size 8\ninput x FP32 4\noutput y FP32 2,2\n");
  ModelRepository& repo = Load();
  absl::StatusOr<ModelMetadata> metadata = repo.Metadata("m", "1");
  ASSERT_TRUE(metadata.ok()) << metadata.status();
  EXPECT_THAT(metadata->versions, ElementsAre("1"));
  ASSERT_EQ(metadata->inputs.size(), 1u);
  EXPECT_EQ(metadata->inputs[0].name, "x");
  EXPECT_EQ(metadata->inputs[0].shape, Shape({-1, 4}));
  ASSERT_EQ(metadata->outputs.size(), 1u);
  EXPECT_EQ(metadata->outputs[0].shape, Shape({-1, 2, 2}));
}

TEST_F(ModelRepositoryTest, VersionPolicyLatest) {
  Write("m/config.pbtxt", "version_policy { latest { num_versions: 2 } }");
  for (const char* v : {"1", "3", "10"}) Write(fmt::format("m/{}/model.fake", v), kEcho);
  Load();
  EXPECT_THAT(IndexRows(), ElementsAre("m 3 READY", "m 10 READY"));
}

TEST_F(ModelRepositoryTest, VersionPolicySpecific) {
  Write("m/config.pbtxt", "version_policy { specific { versions: [ 10, 1, 7 ] } }");
  for (const char* v : {"1", "3", "10"}) Write(fmt::format("m/{}/model.fake", v), kEcho);
  ModelRepository& repo = Load();
  EXPECT_THAT(IndexRows(),
              ElementsAre("m 1 READY",
                          fmt::format("m 7 UNAVAILABLE {}: version folder not found (the "
                                      "version_policy names it)",
                                      Path("m/7")),
                          "m 10 READY"));
  ExpectStatus(repo.Get("m", "3").status(), absl::StatusCode::kNotFound,
               "Request for unknown model: 'm' version 3 is not found");
}

TEST_F(ModelRepositoryTest, InstancesAndThreads) {
  Write("two/config.pbtxt", "instance_group { count: 2 kind: KIND_CPU }");
  Write("two/1/model.fake", kEcho);
  Write("default/1/model.fake", kEcho);
  ModelRepository& repo = Load({.default_instance_count = 3, .default_intra_op_threads = 5});
  auto fake_model = [&](std::string_view name) {
    ModelHandle handle = *repo.Get(name, "");
    return dynamic_cast<const testing::FakeModel*>(&handle->model());
  };
  ASSERT_NE(fake_model("two"), nullptr);
  EXPECT_EQ(fake_model("two")->instance_count(), 2);
  EXPECT_EQ(fake_model("default")->instance_count(), 3);
  EXPECT_EQ(fake_model("default")->last_instance_options().intra_op_threads, 5);
  EXPECT_FALSE(fake_model("default")->last_instance_options().allow_spinning);
}

TEST_F(ModelRepositoryTest, ServesRequestsThroughTheScheduler) {
  Write("echo/1/model.fake", kEcho);
  ModelRepository& repo = Load();
  ModelHandle handle = *repo.Get("echo", "");
  auto request = std::make_unique<InferRequest>();
  request->model_name = "echo";
  request->id = "r1";
  std::vector<float> values = {1, 2, 3, 4};
  request->inputs.push_back({.name = "x",
                             .datatype = DataType::kFp32,
                             .shape = {4},
                             .data = Buffer::Copy(std::as_bytes(std::span<const float>(values)))});
  std::promise<InferResult> done;
  handle->Enqueue(std::move(request),
                             [&done](InferResult result) { done.set_value(std::move(result)); });
  InferResult result = done.get_future().get();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ((*result)->id, "r1");
  EXPECT_EQ((*result)->model_version, "1");
  ASSERT_EQ((*result)->outputs.size(), 1u);
  EXPECT_EQ((*result)->outputs[0].name, "y");
  EXPECT_EQ((*result)->outputs[0].data.Read<float>(3), 4.0f);
}

TEST_F(ModelRepositoryTest, AHandleOutlivesAReload) {
  Write("m/1/model.fake", kEcho);
  ModelRepository& repo = Load();
  ModelHandle handle = *repo.Get("m", "");
  fs::remove_all(root_ / "m");
  repo.LoadAll();
  EXPECT_EQ(repo.Get("m", "").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(handle->version(), "1");  // still alive: the handle owns it
  EXPECT_EQ(handle->config().name, "m");
}

TEST(VersionLess, NumbersInNumericOrderThenNames) {
  std::vector<std::string> v = {"10", "b", "9", "a", "100", "1"};
  std::sort(v.begin(), v.end(), VersionLess());
  EXPECT_THAT(v, ElementsAre("1", "9", "10", "100", "a", "b"));
  EXPECT_TRUE(VersionLess()("1", "01") != VersionLess()("01", "1"));  // distinct keys
  EXPECT_TRUE(VersionLess()("99999999999999999999", "100000000000000000000"));
}

TEST(ModelStateName, AsTritonSpellsThem) {
  EXPECT_EQ(ModelStateName(ModelState::kReady), "READY");
  EXPECT_EQ(ModelStateName(ModelState::kUnavailable), "UNAVAILABLE");
  EXPECT_EQ(ModelStateName(ModelState::kLoading), "LOADING");
  EXPECT_EQ(ModelStateName(ModelState::kUnloading), "UNLOADING");
}

}  // namespace
}  // namespace tensord
