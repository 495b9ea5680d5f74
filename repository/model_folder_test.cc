// ScanModelFolder's choice of model files, with stub runtimes registered like the real ones
// (an XGBoost-like platform whose default file model.json has an extension no runtime
// claims, and ".fake" files), so that no backend is needed.
#include "repository/model_folder.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "repository/test_util/temp_repository.h"

namespace tensord {
namespace {

namespace fs = std::filesystem;

// Planning only asks a runtime for its default file name; Load is never called.
class StubRuntime final : public runtime::Runtime {
 public:
  explicit StubRuntime(std::string default_name) : default_name_(std::move(default_name)) {}
  std::string_view default_model_filename() const override { return default_name_; }
  absl::StatusOr<runtime::ModelPtr> Load(const ModelConfig&, const fs::path&) override {
    return absl::UnimplementedError("stub");
  }

 private:
  const std::string default_name_;
};

class ModelFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_.Register("xgboost", std::make_shared<StubRuntime>("model.json"));
    registry_.AddAlias("fil", "xgboost");
    registry_.AddAlias("mlserver_xgboost.XGBoostModel", "xgboost");  // as the runtime does
    registry_.AddFileExtension(".bst", "xgboost");
    registry_.AddFileExtension(".ubj", "xgboost");
    registry_.Register("fake", std::make_shared<StubRuntime>("model.fake"));
    registry_.AddFileExtension(".fake", "fake");
  }
  void Write(const std::string& relative, std::string_view text = "x") {
    folder_.Write(relative, text);
  }
  ModelFolderPlan Scan(const std::string& model) {
    return ScanModelFolder(root_ / model, registry_);
  }
  std::string Path(const std::string& relative) const { return (root_ / relative).string(); }

  testing::TempFolder folder_{"tensord_folder"};
  const fs::path& root_ = folder_.path();
  runtime::RuntimeRegistry registry_;
};

constexpr std::string_view kFilConfig = R"(backend: "fil"
max_batch_size: 8
parameters [{ key: "model_type" value: { string_value: "xgboost_json" } }]
)";
constexpr std::string_view kXgboostSettings =
    R"({"implementation": "mlserver_xgboost.XGBoostModel"})";

TEST_F(ModelFolderTest, AVersionFolderWithFilesNoRuntimeClaimsGoesToTheRuntimeByDefaultName) {
  // Triton FIL's file name: the XGBoost runtime knows it, the registry's extensions do not.
  Write("fil/config.pbtxt", kFilConfig);
  Write("fil/1/xgboost.json");
  ModelFolderPlan plan = Scan("fil");
  ASSERT_EQ(plan.error, "");
  ASSERT_EQ(plan.versions.size(), 1u);
  EXPECT_EQ(plan.versions[0].error, "");
  EXPECT_EQ(plan.versions[0].platform, "xgboost");
  EXPECT_EQ(plan.versions[0].model_path, root_ / "fil/1/model.json");
}

TEST_F(ModelFolderTest, AnEmptyVersionFolderOfAKnownPlatformHasNoModelFile) {
  Write("fil/config.pbtxt", kFilConfig);
  fs::create_directories(root_ / "fil/1");
  Write("fil/1/.hidden");
  ModelFolderPlan plan = Scan("fil");
  ASSERT_EQ(plan.versions.size(), 1u);
  EXPECT_EQ(plan.versions[0].error,
            fmt::format("{}: no model file (expected model.json)", Path("fil/1")));
}

TEST_F(ModelFolderTest, WithoutAPlatformUnclaimedFilesAreNoModelFile) {
  Write("m/1/xgboost.json");
  ModelFolderPlan plan = Scan("m");
  ASSERT_EQ(plan.versions.size(), 1u);
  EXPECT_EQ(
      plan.versions[0].error,
      fmt::format("{}: no model file (expected a model file with a known extension)", Path("m/1")));
}

TEST_F(ModelFolderTest, AModelFolderTopIsNeverHandedOverUnclaimed) {
  // The top of a model folder always holds its config: only a recognized file counts there.
  Write("fil/config.pbtxt", kFilConfig);
  Write("fil/xgboost.json");
  EXPECT_EQ(Scan("fil").error,
            fmt::format("{}: no version folders (1/, 2/, ...) and no model file", Path("fil")));
}

TEST_F(ModelFolderTest, TheDefaultFileIsFoundByNameInAVersionFolder) {
  Write("fil/config.pbtxt", kFilConfig);
  Write("fil/1/model.json");
  Write("fil/1/notes.txt");
  ModelFolderPlan plan = Scan("fil");
  ASSERT_EQ(plan.versions.size(), 1u);
  EXPECT_EQ(plan.versions[0].model_path, root_ / "fil/1/model.json");
}

TEST_F(ModelFolderTest, MlserverXgboostPrefersModelBstThenJsonThenUbj) {
  // MLServer's XGBoost runtime looks for model.bst, model.json, model.ubj in that order.
  Write("both/model-settings.json", kXgboostSettings);
  Write("both/model.json");
  Write("both/model.bst");
  Write("both/model.ubj");
  ModelFolderPlan plan = Scan("both");
  ASSERT_EQ(plan.error, "");
  ASSERT_EQ(plan.versions.size(), 1u);
  EXPECT_EQ(plan.versions[0].model_path, root_ / "both/model.bst");

  Write("json_ubj/model-settings.json", kXgboostSettings);
  Write("json_ubj/model.ubj");
  Write("json_ubj/model.json");
  plan = Scan("json_ubj");
  ASSERT_EQ(plan.versions.size(), 1u);
  EXPECT_EQ(plan.versions[0].model_path, root_ / "json_ubj/model.json");
}

TEST_F(ModelFolderTest, TheDefaultFileWinsOverOtherFilesOfItsPlatform) {
  Write("m/model-settings.json", kXgboostSettings);
  Write("m/model.json");
  Write("m/extra.bst");
  ModelFolderPlan plan = Scan("m");
  ASSERT_EQ(plan.versions.size(), 1u);
  EXPECT_EQ(plan.versions[0].model_path, root_ / "m/model.json");
}

TEST_F(ModelFolderTest, SeveralFilesOfThePlatformNoneNamedModelAreAmbiguous) {
  Write("m/model-settings.json", kXgboostSettings);
  Write("m/1/a.bst");
  Write("m/1/b.ubj");
  ModelFolderPlan plan = Scan("m");
  ASSERT_EQ(plan.versions.size(), 1u);
  EXPECT_EQ(
      plan.versions[0].error,
      fmt::format("{}: several model files (a.bst, b.ubj); name one in the config", Path("m/1")));
}

// Issue 10: a model's files resolve inside its own folder. "uri": "/etc/passwd" was opened,
// and optimized_model_path let a config write anywhere.
TEST_F(ModelFolderTest, AModelFileOutsideTheFolderIsAModelError) {
  const std::string outside = Path("outside.fake");
  Write("outside.fake");
  Write("abs/model-settings.json", fmt::format(R"({{"parameters": {{"uri": "{}"}}}})", outside));
  ModelFolderPlan plan = Scan("abs");
  EXPECT_EQ(plan.error,
            fmt::format("{}: parameters.uri '{}' is an absolute path; a path in a model's config "
                        "must stay inside the model's folder (relative, without '..')",
                        Path("abs/model-settings.json"), outside));
  EXPECT_TRUE(plan.versions.empty());

  Write("up/model-settings.json", R"({"parameters": {"uri": "../outside.fake"}})");
  EXPECT_EQ(Scan("up").error,
            fmt::format("{}: parameters.uri '../outside.fake' has a '..' segment; a path in a "
                        "model's config must stay inside the model's folder (relative, without "
                        "'..')",
                        Path("up/model-settings.json")));

  Write("triton/config.pbtxt", R"pb(default_model_filename: "../../outside.fake")pb");
  Write("triton/1/model.fake");
  EXPECT_EQ(Scan("triton").error,
            fmt::format("{}: default_model_filename '../../outside.fake' has a '..' segment; a "
                        "path in a model's config must stay inside the model's folder (relative, "
                        "without '..')",
                        Path("triton/config.pbtxt")));
}

TEST_F(ModelFolderTest, ASymlinkPlacedInTheFolderIsStillFollowed) {
  // The operator's own link (how Triton users share weights): allowed, as in Triton.
  Write("shared/weights.fake");
  Write("linked/model-settings.json", R"({"parameters": {"uri": "model.fake"}})");
  fs::create_symlink(root_ / "shared/weights.fake", root_ / "linked/model.fake");
  ModelFolderPlan plan = Scan("linked");
  ASSERT_EQ(plan.error, "");
  ASSERT_EQ(plan.versions.size(), 1u);
  EXPECT_EQ(plan.versions[0].error, "");
  EXPECT_EQ(plan.versions[0].model_path, root_ / "linked/model.fake");
}

TEST_F(ModelFolderTest, PathParametersMustStayInsideTheFolder) {
  Write("ok/config.pbtxt", R"pb(
    parameters {
      key: "optimized_model_path"
      value: { string_value: "opt/model.onnx" }
    })pb");
  Write("ok/1/model.fake");
  EXPECT_EQ(Scan("ok").error, "");

  Write("abs/config.pbtxt", R"pb(
    parameters {
      key: "optimized_model_path"
      value: { string_value: "/tmp/x/x.onnx" }
    })pb");
  Write("abs/1/model.fake");
  EXPECT_EQ(Scan("abs").error,
            fmt::format("{}: parameter 'optimized_model_path' '/tmp/x/x.onnx' is an absolute "
                        "path; a path in a model's config must stay inside the model's folder "
                        "(relative, without '..')",
                        Path("abs/config.pbtxt")));

  Write("up/model-settings.json",
        R"({"parameters": {"extra": {"optimized_model_path": "../other/1/model.onnx"}}})");
  Write("up/model.fake");
  EXPECT_EQ(Scan("up").error,
            fmt::format("{}: parameter 'optimized_model_path' '../other/1/model.onnx' has a '..' "
                        "segment; a path in a model's config must stay inside the model's folder "
                        "(relative, without '..')",
                        Path("up/model-settings.json")));
}

TEST_F(ModelFolderTest, ADeeplyNestedConfigIsAModelErrorNotACrash) {
  Write("deep/model-settings.json",
        R"({"parameters": {"extra": {"x": )" + std::string(100'000, '[') + "}}}");
  EXPECT_EQ(Scan("deep").error,
            fmt::format("{}: JSON nested deeper than 64 levels", Path("deep/model-settings.json")));
  std::string pbtxt;
  for (int i = 0; i < 100'000; ++i) pbtxt += "x { ";
  Write("deep_pbtxt/config.pbtxt", pbtxt);
  EXPECT_EQ(Scan("deep_pbtxt").error,
            fmt::format("{}: nested deeper than 64 levels", Path("deep_pbtxt/config.pbtxt")));
}

}  // namespace
}  // namespace tensord
