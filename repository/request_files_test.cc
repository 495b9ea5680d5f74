#include "repository/request_files.h"

#include <fstream>
#include <sstream>

#include "core/status_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string Read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

constexpr std::string_view kConfig = R"({"platform": "onnxruntime_onnx", "max_batch_size": 2})";

TEST(StageModelFiles, WritesTheFilesAndTheConfigThenRemovesThem) {
  fs::path root;
  {
    absl::StatusOr<std::unique_ptr<StagedModelFolder>> staged = StageModelFiles(
        "m.v-2", kConfig,
        {{.path = "1/model.onnx", .content = std::string("\0onnx", 5)},
         {.path = "labels.txt", .content = "a\nb\n"}});
    ASSERT_TRUE(staged.ok()) << staged.status();
    const fs::path& folder = (*staged)->folder();
    root = folder.parent_path();
    EXPECT_EQ(folder.filename(), "m.v-2");
    EXPECT_EQ(Read(folder / "1" / "model.onnx"), std::string("\0onnx", 5));
    EXPECT_EQ(Read(folder / "labels.txt"), "a\nb\n");
    const std::string config = Read(folder / "config.pbtxt");
    EXPECT_THAT(config, HasSubstr("name: \"m.v-2\""));
    EXPECT_THAT(config, HasSubstr("max_batch_size: 2"));
    EXPECT_EQ(fs::status(root).permissions() & fs::perms::all, fs::perms::owner_all);
  }
  EXPECT_FALSE(fs::exists(root));
}

void ExpectRefused(std::string_view config, std::vector<ModelFile> files, std::string_view text) {
  absl::StatusOr<std::unique_ptr<StagedModelFolder>> staged =
      StageModelFiles("m", config, files);
  ASSERT_FALSE(staged.ok());
  EXPECT_EQ(staged.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(staged.status()), HasSubstr(text));
}

TEST(StageModelFiles, RefusesPathsOutsideTheModelsFolder) {
  ExpectRefused(kConfig, {{.path = "../other/1/model.onnx"}}, "parameter 'file:../other/1/model.onnx'");
  ExpectRefused(kConfig, {{.path = "/etc/cron.d/x"}}, "parameter 'file:/etc/cron.d/x'");
  ExpectRefused(kConfig, {{.path = "1/../../x"}}, "'..'");
  ExpectRefused(kConfig, {{.path = ""}}, "names no file");
  ExpectRefused(kConfig, {{.path = "1/"}}, "names no file");
  ExpectRefused(kConfig, {{.path = "config.pbtxt"}}, "the configuration of a model loaded from files");
  ExpectRefused(kConfig, {{.path = "./model-settings.json"}}, "is the 'config' parameter");
}

TEST(StageModelFiles, RefusesWhatCannotBeAModel) {
  ExpectRefused("", {{.path = "1/model.onnx"}}, "must also carry the model's whole configuration");
  ExpectRefused(R"({"name": "other"})", {{.path = "1/model.onnx"}},
                "name 'other' does not match the model being loaded, 'm'");
  ExpectRefused(R"({"max_batch_sizes": 1})", {{.path = "1/model.onnx"}}, "max_batch_sizes");
  ExpectRefused(kConfig, {{.path = "1/model.onnx"}, {.path = "1/model.onnx"}}, "given twice");
  ExpectRefused(kConfig, {{.path = "1"}, {.path = "1/model.onnx"}}, "parameter 'file:1/model.onnx'");
  ExpectRefused(kConfig, std::vector<ModelFile>(kMaxRequestFiles + 1, {.path = "x"}),
                "at most 256");
}

}  // namespace
}  // namespace tensord
