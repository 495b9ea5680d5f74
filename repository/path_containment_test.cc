// Paths a model's config names stay inside its folder (repository/path_containment.h).
#include "repository/path_containment.h"

#include <string>

#include "core/status_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord {
namespace {

constexpr std::string_view kRule =
    "; a path in a model's config must stay inside the model's folder (relative, without '..')";

TEST(CheckInsideModelFolder, AcceptsRelativePathsWithoutParentSegments) {
  for (std::string_view path : {"", "model.onnx", "./model.onnx", "sub/model.onnx",
                                "1/model.onnx", "a..b.onnx", "..model"}) {
    EXPECT_TRUE(CheckInsideModelFolder("parameters.uri", path).ok()) << path;
  }
}

TEST(CheckInsideModelFolder, RefusesAbsolutePathsParentSegmentsAndNul) {
  const auto expect = [](std::string_view path, std::string_view why) {
    const absl::Status status = CheckInsideModelFolder("parameters.uri", path);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << path;
    EXPECT_EQ(Message(status), std::string(why) + std::string(kRule)) << path;
  };
  expect("/etc/passwd", "parameters.uri '/etc/passwd' is an absolute path");
  expect("//etc/passwd", "parameters.uri '//etc/passwd' is an absolute path");
  expect("../other/1/model.onnx", "parameters.uri '../other/1/model.onnx' has a '..' segment");
  expect("..", "parameters.uri '..' has a '..' segment");
  // Even when it normalizes away: through a symlink "link/.." is not the model's folder.
  expect("sub/../model.onnx", "parameters.uri 'sub/../model.onnx' has a '..' segment");
  expect("sub/..", "parameters.uri 'sub/..' has a '..' segment");
  expect(std::string_view("model.onnx\0/etc/passwd", 22),
         "parameters.uri 'model.onnx\\x00/etc/passwd' contains a NUL byte");
}

TEST(PathParameters, OptimizedModelPathIsOne) {
  EXPECT_TRUE(IsPathParameter("optimized_model_path"));
  EXPECT_FALSE(IsPathParameter("intra_op_thread_count"));
  EXPECT_FALSE(IsPathParameter("OPTIMIZED_MODEL_PATH"));  // ONNX keys are case-sensitive
}

TEST(CheckPathParameters, NamesTheFileAndTheParameter) {
  ModelConfig config;
  config.source = "models/mlp/config.pbtxt";
  config.parameters = {{"optimized_model_path", "opt/mlp.onnx"}, {"other", "/etc/passwd"}};
  EXPECT_TRUE(CheckPathParameters(config).ok());
  config.parameters["optimized_model_path"] = "/tmp/x/x.onnx";
  const absl::Status status = CheckPathParameters(config);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(status), std::string("models/mlp/config.pbtxt: parameter "
                                         "'optimized_model_path' '/tmp/x/x.onnx' is an absolute "
                                         "path") +
                                 std::string(kRule));
}

}  // namespace
}  // namespace tensord
