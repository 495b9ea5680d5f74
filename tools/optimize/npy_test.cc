#include "tools/optimize/npy.h"

#include <cstdio>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord::optimize {
namespace {

using ::testing::HasSubstr;

std::filesystem::path TempFile(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("tensord_npy_test_" + name);
}

TEST(Npy, RoundTripsAFloatMatrix) {
  const std::vector<float> values = {1, 2, 3, 4, 5, 6};
  const auto path = TempFile("f32.npy");
  ASSERT_TRUE(
      WriteNpy(path, DataType::kFp32, {2, 3}, std::as_bytes(std::span<const float>(values))).ok());
  absl::StatusOr<NpyArray> read = ReadNpy(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->datatype, DataType::kFp32);
  EXPECT_EQ(read->shape, (std::vector<int64_t>{2, 3}));
  ASSERT_EQ(read->data.size(), 24u);
  EXPECT_EQ(reinterpret_cast<const float*>(read->data.data())[5], 6.0f);
  std::filesystem::remove(path);
}

TEST(Npy, RoundTripsOneDimension) {
  const std::vector<int64_t> values = {7, 8, 9};
  const auto path = TempFile("i64.npy");
  ASSERT_TRUE(
      WriteNpy(path, DataType::kInt64, {3}, std::as_bytes(std::span<const int64_t>(values))).ok());
  absl::StatusOr<NpyArray> read = ReadNpy(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->shape, (std::vector<int64_t>{3}));
  std::filesystem::remove(path);
}

TEST(Npy, RefusesAFileWithoutTheMagic) {
  const auto path = TempFile("bad.npy");
  std::ofstream(path) << "hello, not numpy";
  absl::StatusOr<NpyArray> read = ReadNpy(path);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(read.status().message()), HasSubstr("not a .npy file"));
  std::filesystem::remove(path);
}

TEST(Npy, RefusesTruncatedData) {
  const std::vector<float> values = {1, 2, 3, 4};
  const auto path = TempFile("short.npy");
  ASSERT_TRUE(
      WriteNpy(path, DataType::kFp32, {2, 2}, std::as_bytes(std::span<const float>(values))).ok());
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 4);
  absl::StatusOr<NpyArray> read = ReadNpy(path);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(read.status().message()),
              HasSubstr("holds 12 data bytes; its header says 16"));
  std::filesystem::remove(path);
}

TEST(Npy, MissingFileIsNotFound) {
  EXPECT_EQ(ReadNpy(TempFile("absent.npy")).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace tensord::optimize
