#include "runtime/xgboost/input_matrix.h"

#include <cmath>
#include <cstring>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord::runtime::xgboost {
namespace {

using ::testing::ElementsAre;

template <typename T>
Tensor Make(DataType type, std::vector<T> values) {
  std::vector<std::byte> bytes(values.size() * sizeof(T));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return Tensor{.name = "x",
                .datatype = type,
                .shape = {1, static_cast<int64_t>(values.size())},
                .data = Buffer::FromVector(std::move(bytes))};
}

std::vector<float> Floats(const Tensor& tensor) {
  std::vector<float> scratch;
  absl::StatusOr<const float*> rows = DenseFloatRows(tensor, scratch);
  EXPECT_TRUE(rows.ok()) << rows.status();
  if (!rows.ok()) return {};
  return {*rows, *rows + tensor.shape[1]};
}

TEST(DenseFloatRows, AlignedFp32IsNotCopied) {
  Tensor tensor = Make<float>(DataType::kFp32, {1.5f, NAN});
  std::vector<float> scratch;
  absl::StatusOr<const float*> rows = DenseFloatRows(tensor, scratch);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(static_cast<const void*>(*rows), static_cast<const void*>(tensor.data.data()));
  EXPECT_TRUE(scratch.empty());
}

TEST(DenseFloatRows, UnalignedFp32IsCopied) {
  std::vector<std::byte> bytes(9);
  const float values[2] = {2.5f, -1.0f};
  std::memcpy(bytes.data() + 1, values, 8);
  auto owner = std::make_shared<std::vector<std::byte>>(std::move(bytes));
  Tensor tensor{.name = "x",
                .datatype = DataType::kFp32,
                .shape = {1, 2},
                .data = Buffer::View(std::span(*owner).subspan(1), owner)};
  EXPECT_THAT(Floats(tensor), ElementsAre(2.5f, -1.0f));
}

TEST(DenseFloatRows, ConvertsOtherNumericTypes) {
  EXPECT_THAT(Floats(Make<double>(DataType::kFp64, {0.1, -2.0})),
              ElementsAre(static_cast<float>(0.1), -2.0f));
  EXPECT_THAT(Floats(Make<int64_t>(DataType::kInt64, {-3, 16777217})),
              ElementsAre(-3.0f, 16777216.0f));  // rounded like NumPy's astype(float32)
  EXPECT_THAT(Floats(Make<uint8_t>(DataType::kUint8, {0, 255})), ElementsAre(0.0f, 255.0f));
  EXPECT_THAT(Floats(Make<uint8_t>(DataType::kBool, {0, 1})), ElementsAre(0.0f, 1.0f));
  // FP16: 1.0, -2.5, the smallest subnormal, infinity.
  std::vector<float> half =
      Floats(Make<uint16_t>(DataType::kFp16, {0x3c00, 0xc100, 0x0001, 0x7c00}));
  EXPECT_THAT(half, ElementsAre(1.0f, -2.5f, std::ldexp(1.0f, -24), INFINITY));
  EXPECT_TRUE(std::isnan(Floats(Make<uint16_t>(DataType::kFp16, {0x7e00}))[0]));
}

TEST(DenseFloatRows, RejectsBytes) {
  Tensor tensor{.name = "text", .datatype = DataType::kBytes, .shape = {1, 1}};
  std::vector<float> scratch;
  absl::StatusOr<const float*> rows = DenseFloatRows(tensor, scratch);
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(rows.status().message()),
              ::testing::HasSubstr("input 'text' is BYTES (strings)"));
}

}  // namespace
}  // namespace tensord::runtime::xgboost
