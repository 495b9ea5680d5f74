#include "core/datatype.h"

#include "gtest/gtest.h"

namespace tensord {
namespace {

TEST(DataType, WireNamesRoundTrip) {
  for (std::string_view name : {"BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16",
                                "INT32", "INT64", "FP16", "BF16", "FP32", "FP64", "BYTES"}) {
    DataType type = DataTypeFromName(name);
    EXPECT_NE(type, DataType::kInvalid) << name;
    EXPECT_EQ(DataTypeName(type), name);
  }
}

TEST(DataType, UnknownNamesAreInvalid) {
  EXPECT_EQ(DataTypeFromName("fp32"), DataType::kInvalid);
  EXPECT_EQ(DataTypeFromName("FLOAT"), DataType::kInvalid);
  EXPECT_EQ(DataTypeFromName(""), DataType::kInvalid);
}

TEST(DataType, ConfigNames) {
  EXPECT_EQ(DataTypeFromConfigName("TYPE_STRING"), DataType::kBytes);
  EXPECT_EQ(DataTypeFromConfigName("TYPE_FP16"), DataType::kFp16);
  EXPECT_EQ(DataTypeConfigName(DataType::kInt64), "TYPE_INT64");
  EXPECT_EQ(DataTypeFromConfigName("FP32"), DataType::kInvalid);
}

TEST(DataType, ByteSizes) {
  EXPECT_EQ(DataTypeByteSize(DataType::kBool), 1u);
  EXPECT_EQ(DataTypeByteSize(DataType::kFp16), 2u);
  EXPECT_EQ(DataTypeByteSize(DataType::kUint32), 4u);
  EXPECT_EQ(DataTypeByteSize(DataType::kFp64), 8u);
  EXPECT_EQ(DataTypeByteSize(DataType::kBytes), 0u);
}

}  // namespace
}  // namespace tensord
