#include "shared_memory/tensor_binding.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

#include "core/status_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "shared_memory/test_object.h"

namespace tensord::shm {
namespace {

using ::testing::HasSubstr;

class TensorBindingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(registry_.Register({.name = "in", .key = object_.key(), .byte_size = 64}).ok());
    ASSERT_TRUE(
        registry_.Register({.name = "out", .key = object_.key(), .offset = 64, .byte_size = 64})
            .ok());
  }

  static Tensor Input(Parameters parameters) {
    return {.name = "x",
            .datatype = DataType::kFp32,
            .shape = {1, 4},
            .parameters = std::move(parameters)};
  }

  absl::Status Bind(Parameters parameters) {
    InferRequest request;
    request.inputs.push_back(Input(std::move(parameters)));
    absl::Status status = BindInputs(registry_, request);
    if (status.ok()) bound_ = request.inputs[0];
    return status;
  }

  testing::TestObject object_{128};
  RegionRegistry registry_{{}};
  Tensor bound_;
};

TEST_F(TensorBindingTest, InputIsReadFromItsRegion) {
  const float values[4] = {1, 2, 3, 4};
  std::memcpy(object_.bytes().data() + 16, values, sizeof(values));
  ASSERT_TRUE(Bind({{"shared_memory_region", std::string("in")},
                    {"shared_memory_offset", int64_t{16}},
                    {"shared_memory_byte_size", int64_t{16}}})
                  .ok());
  EXPECT_EQ(bound_.data.size(), 16u);
  EXPECT_EQ(bound_.data.Read<float>(3), 4.0f);
  // The tensor holds its own copy: unregistering does not pull it away.
  ASSERT_TRUE(registry_.Unregister("").ok());
  EXPECT_EQ(bound_.data.Read<float>(0), 1.0f);
}

TEST_F(TensorBindingTest, BadInputs) {
  struct Case {
    Parameters parameters;
    absl::StatusCode code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{{"shared_memory_region", std::string("nope")}, {"shared_memory_byte_size", int64_t{16}}},
       absl::StatusCode::kNotFound,
       "input 'x': Unable to find system shared memory region: 'nope'"},
      {{{"shared_memory_region", std::string("in")},
        {"shared_memory_byte_size", int64_t{16}},
        {"shared_memory_offset", int64_t{56}}},
       absl::StatusCode::kInvalidArgument,
       "input 'x': shared memory offset 56 + byte size 16 is outside region 'in' (64 bytes)"},
      {{{"shared_memory_region", std::string("in")}, {"shared_memory_byte_size", int64_t{12}}},
       absl::StatusCode::kInvalidArgument,
       "input 'x': shared_memory_byte_size is 12 but shape [1,4] of FP32 needs 16 bytes "
       "(region 'in')"},
      {{{"shared_memory_region", std::string("in")}},
       absl::StatusCode::kInvalidArgument,
       "input 'x': parameter 'shared_memory_byte_size' is required with 'shared_memory_region' "
       "(region 'in')"},
      {{{"shared_memory_byte_size", int64_t{16}}},
       absl::StatusCode::kInvalidArgument,
       "input 'x': parameter 'shared_memory_byte_size' is given without 'shared_memory_region'"},
      {{{"shared_memory_region", std::string("in")}, {"shared_memory_byte_size", int64_t{-1}}},
       absl::StatusCode::kInvalidArgument,
       "input 'x': parameter 'shared_memory_byte_size' must be a non-negative integer"},
      {{{"shared_memory_region", std::string("in")},
        {"shared_memory_byte_size", int64_t{16}},
        {"shared_memory_offset", std::numeric_limits<int64_t>::max()}},
       absl::StatusCode::kInvalidArgument,
       "is outside region 'in' (64 bytes)"},
  };
  for (const Case& c : cases) {
    absl::Status status = Bind(c.parameters);
    EXPECT_EQ(status.code(), c.code) << status;
    EXPECT_THAT(Message(status), HasSubstr(c.message));
  }
}

TEST_F(TensorBindingTest, BytesInputIsCheckedForFraming) {
  InferRequest request;
  request.inputs.push_back({.name = "s",
                            .datatype = DataType::kBytes,
                            .shape = {1},
                            .parameters = {{"shared_memory_region", std::string("in")},
                                           {"shared_memory_byte_size", int64_t{8}}}});
  const uint32_t length = 100;
  std::memcpy(object_.bytes().data(), &length, 4);
  absl::Status status = BindInputs(registry_, request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(status), HasSubstr("(read from shared memory region 'in')"));
}

TEST_F(TensorBindingTest, OutputsAreWrittenAndLeaveNoData) {
  InferRequest request;
  request.outputs.push_back({.name = "y",
                             .parameters = {{"shared_memory_region", std::string("out")},
                                            {"shared_memory_offset", int64_t{8}},
                                            {"shared_memory_byte_size", int64_t{16}}}});
  request.outputs.push_back({.name = "z"});
  absl::StatusOr<OutputTargets> targets = FindOutputTargets(registry_, request);
  ASSERT_TRUE(targets.ok()) << targets.status();
  ASSERT_EQ(targets->size(), 1u);

  const float values[3] = {5, 6, 7};
  InferResponse response;
  response.outputs.push_back({.name = "y",
                              .datatype = DataType::kFp32,
                              .shape = {3},
                              .data = Buffer::Copy(std::as_bytes(std::span(values)))});
  response.outputs.push_back({.name = "z",
                              .datatype = DataType::kFp32,
                              .shape = {3},
                              .data = Buffer::Copy(std::as_bytes(std::span(values)))});
  ASSERT_TRUE(WriteOutputs(*targets, response).ok());
  EXPECT_EQ(std::memcmp(object_.bytes().data() + 64 + 8, values, sizeof(values)), 0);
  EXPECT_TRUE(response.outputs[0].data.empty());
  EXPECT_EQ(std::get<int64_t>(response.outputs[0].parameters.at("shared_memory_byte_size")), 12);
  EXPECT_EQ(response.outputs[1].data.size(), 12u);  // not in shared memory: untouched
}

TEST_F(TensorBindingTest, AnObjectShrunkAfterRegistrationIsAnErrorNotACrash) {
  InferRequest request;
  request.outputs.push_back({.name = "y",
                             .parameters = {{"shared_memory_region", std::string("out")},
                                            {"shared_memory_byte_size", int64_t{16}}}});
  absl::StatusOr<OutputTargets> targets = FindOutputTargets(registry_, request);
  ASSERT_TRUE(targets.ok()) << targets.status();
  // The client truncates its object: the registered regions now lie past its end, where
  // an access raises SIGBUS.
  const int fd = shm_open(object_.key().c_str(), O_RDWR, 0);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, 0), 0);
  close(fd);

  const absl::Status read = Bind({{"shared_memory_region", std::string("in")},
                                  {"shared_memory_byte_size", int64_t{16}}});
  EXPECT_EQ(read.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(Message(read)),
              HasSubstr("input 'x': shared memory region 'in' could not be accessed: its object "
                        "was shrunk"));

  const float values[4] = {5, 6, 7, 8};
  InferResponse response;
  response.outputs.push_back({.name = "y",
                              .datatype = DataType::kFp32,
                              .shape = {4},
                              .data = Buffer::Copy(std::as_bytes(std::span(values)))});
  const absl::Status written = WriteOutputs(*targets, response);
  EXPECT_EQ(written.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(Message(written)),
              HasSubstr("output 'y': shared memory region 'out' could not be accessed"));
  // And the process goes on: the next guarded copy of good memory works.
  const absl::Status again = Bind({{"shared_memory_region", std::string("in")},
                                   {"shared_memory_byte_size", int64_t{16}}});
  EXPECT_EQ(again.code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(TensorBindingTest, OutputTooLargeForItsTarget) {
  InferRequest request;
  request.outputs.push_back({.name = "y",
                             .parameters = {{"shared_memory_region", std::string("out")},
                                            {"shared_memory_byte_size", int64_t{4}}}});
  absl::StatusOr<OutputTargets> targets = FindOutputTargets(registry_, request);
  ASSERT_TRUE(targets.ok());
  const float values[3] = {5, 6, 7};
  InferResponse response;
  response.outputs.push_back({.name = "y",
                              .datatype = DataType::kFp32,
                              .shape = {3},
                              .data = Buffer::Copy(std::as_bytes(std::span(values)))});
  absl::Status status = WriteOutputs(*targets, response);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(status),
            "output 'y': shared_memory_byte_size 4 (region 'out') is too small for the 12 bytes "
            "of the result (shape [3])");

  request.outputs[0].parameters["shared_memory_byte_size"] = int64_t{65};
  absl::Status outside = FindOutputTargets(registry_, request).status();
  EXPECT_THAT(Message(outside),
              HasSubstr("output 'y': shared memory offset 0 + byte size 65 is outside region "
                        "'out' (64 bytes)"));
}

}  // namespace
}  // namespace tensord::shm
