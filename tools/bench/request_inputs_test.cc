#include "tools/bench/request_inputs.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "fmt/format.h"
#include "gtest/gtest.h"
#include "tools/bench/tensor_values.h"

namespace tensord::bench {
namespace {

ModelInfo AddSub() {
  return {.name = "add_sub",
          .inputs = {{"INPUT0", "FP32", {-1, 16}}, {"INPUT1", "FP32", {-1, 16}}}};
}

void ExpectError(const ModelInfo& m, const InputOptions& o, const std::string& part) {
  absl::StatusOr<std::vector<RequestInputs>> r = MakeRequests(m, o);
  ASSERT_FALSE(r.ok()) << part;
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(r.status().message()).find(part), std::string::npos)
      << r.status().message();
}

TEST(RequestInputsTest, BatchReplacesLeadingDynamicDimension) {
  absl::StatusOr<std::vector<RequestInputs>> r = MakeRequests(AddSub(), {.batch = 4});
  ASSERT_TRUE(r.ok()) << r.status();
  const InputTensor& t = (*r)[0][0];
  EXPECT_EQ(t.shape, (std::vector<int64_t>{4, 16}));
  EXPECT_EQ(t.raw.size(), 4u * 16u * 4u);
}

TEST(RequestInputsTest, ShapeFlagWithOrWithoutBatchDimension) {
  ModelInfo m{.name = "m", .inputs = {{"x", "FP32", {-1, -1}}}};
  auto r = ResolveInputShapes(m, {.batch = 2, .shapes = {{"x", {8}}}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].shape, (std::vector<int64_t>{2, 8}));
  r = ResolveInputShapes(m, {.batch = 2, .shapes = {{"x", {3, 8}}}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].shape, (std::vector<int64_t>{3, 8}));
}

TEST(RequestInputsTest, BytesInputsAreLengthPrefixedStrings) {
  ModelInfo m{.name = "text_upper", .inputs = {{"TEXT", "BYTES", {-1}}}};
  absl::StatusOr<std::vector<RequestInputs>> r = MakeRequests(m, {.batch = 3});
  ASSERT_TRUE(r.ok());
  const InputTensor& t = (*r)[0][0];
  EXPECT_EQ(RawToJson(t).size(), 3u);
  for (const auto& s : RawToJson(t)) {
    EXPECT_GE(s.get<std::string>().size(), 1u);
    EXPECT_LE(s.get<std::string>().size(), 16u);
  }
}

TEST(RequestInputsTest, Errors) {
  ModelInfo dynamic{.name = "m", .inputs = {{"x", "FP32", {-1, -1}}}};
  ExpectError(dynamic, {},
              "input 'x' has a dynamic dimension 1 (shape [-1,-1]): give its "
              "shape with --shape x:1");
  ExpectError(AddSub(), {.shapes = {{"NOPE", {1}}}},
              "--shape names input 'NOPE' but model 'add_sub' has inputs: INPUT0, INPUT1");
  ExpectError(AddSub(), {.shapes = {{"INPUT0", {8}}}},
              "--shape INPUT0: dimension 1 is 8 but the model fixes it at 16");
  ExpectError(AddSub(), {.shapes = {{"INPUT0", {1, 2, 3}}}}, "so give 2 dimensions");
  ModelInfo fixed{.name = "m", .inputs = {{"x", "FP32", {3, 4}}}};
  ExpectError(fixed, {.batch = 2}, "-b 2: input 'x' has no batch dimension (shape [3,4])");
  ModelInfo odd{.name = "m", .inputs = {{"x", "COMPLEX", {1}}}};
  ExpectError(odd, {}, "unknown datatype 'COMPLEX'");
  ExpectError(ModelInfo{.name = "m"}, {}, "reports no inputs");
}

class InputDataFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& text) {
    // Unique per process and test: ctest runs two test processes at a time.
    path_ = ::testing::TempDir() +
            fmt::format("/input_data_{}_{}.json", ::getpid(),
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::ofstream(path_) << text;
    return path_;
  }
  void TearDown() override { std::remove(path_.c_str()); }
  std::string path_;
};

TEST_F(InputDataFileTest, ReadsEntriesInPerfAnalyzerFormat) {
  ModelInfo m{.name = "m", .inputs = {{"a", "INT32", {-1, 2}}, {"b", "BYTES", {-1}}}};
  const std::string file = Write(R"({"data": [
      {"a": [[1, 2]], "b": ["hi"]},
      {"a": {"content": [1, 2, 3, 4], "shape": [2, 2]}, "b": {"content": ["x", "y"], "shape": [2]}}]})");
  absl::StatusOr<std::vector<RequestInputs>> r = MakeRequests(m, {.data_file = file});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0][0].shape, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(RawToJson((*r)[0][0]), nlohmann::json({1, 2}));
  EXPECT_EQ(RawToJson((*r)[0][1]), nlohmann::json({"hi"}));
  EXPECT_EQ((*r)[1][0].shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(RawToJson((*r)[1][1]), nlohmann::json({"x", "y"}));
}

TEST_F(InputDataFileTest, Errors) {
  ModelInfo m{.name = "m", .inputs = {{"a", "FP32", {-1, 2}}}};
  ExpectError(m, {.data_file = Write("{")}, "is not valid JSON");
  ExpectError(m, {.data_file = Write(R"({"data": []})")}, "at least one entry");
  ExpectError(m, {.data_file = Write(R"({"data": [{"b": [1]}]})")}, "data[0].a is missing");
  ExpectError(m, {.data_file = Write(R"({"data": [{"a": [1, 2, 3]}]})")},
              "data[0].a has 3 elements but shape [1,2] needs 2");
  ExpectError(m, {.data_file = Write(R"({"data": [{"a": ["x", 2]}]})")},
              "element 0 is string but datatype FP32 needs a number");
  absl::StatusOr<std::vector<RequestInputs>> missing =
      MakeRequests(m, {.data_file = "/nonexistent/file.json"});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

TEST(TensorValuesTest, HalfRoundTrip) {
  for (float f : {0.0f, 1.0f, -2.5f, 0.333251953125f, 65504.0f, 6.103515625e-05f}) {
    EXPECT_EQ(HalfToFloat(FloatToHalf(f)), f) << f;
  }
}

}  // namespace
}  // namespace tensord::bench
