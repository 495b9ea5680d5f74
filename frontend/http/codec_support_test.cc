// Tests of the small pieces under the codecs: FP16/BF16 conversion, JSON writing, the
// status mapping and the padded buffer.
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "frontend/http/float16.h"
#include "frontend/http/json_response_codec.h"
#include "frontend/json_writer.h"
#include "frontend/http/padded_buffer.h"
#include "gtest/gtest.h"

namespace tensord::http {
namespace {

TEST(Float16, ConvertsKnownValues) {
  EXPECT_EQ(DoubleToHalf(0.0), 0x0000);
  EXPECT_EQ(DoubleToHalf(-0.0), 0x8000);
  EXPECT_EQ(DoubleToHalf(1.0), 0x3c00);
  EXPECT_EQ(DoubleToHalf(-2.0), 0xc000);
  EXPECT_EQ(DoubleToHalf(65504.0), 0x7bff);
  EXPECT_EQ(DoubleToHalf(65519.99), 0x7bff);
  EXPECT_EQ(DoubleToHalf(65520.0), 0x7c00);  // rounds up to infinity
  EXPECT_EQ(DoubleToHalf(1e10), 0x7c00);
  EXPECT_EQ(DoubleToHalf(std::ldexp(1.0, -14)), 0x0400);  // smallest normal
  EXPECT_EQ(DoubleToHalf(std::ldexp(1.0, -24)), 0x0001);  // smallest subnormal
  EXPECT_EQ(DoubleToHalf(std::ldexp(1.0, -26)), 0x0000);
  EXPECT_TRUE(std::isnan(HalfToFloat(DoubleToHalf(std::nan("")))));
  EXPECT_EQ(DoubleToBfloat16(1.0), 0x3f80);
  EXPECT_EQ(DoubleToBfloat16(-0.0), 0x8000);
  EXPECT_EQ(DoubleToBfloat16(3.3895313892515355e38), 0x7f7f);  // largest finite
  EXPECT_EQ(DoubleToBfloat16(1e39), 0x7f80);
  EXPECT_EQ(DoubleToBfloat16(std::ldexp(1.0, -133)), 0x0001);
}

TEST(Float16, RoundsHalfwayCasesToEven) {
  const double ulp = std::ldexp(1.0, -10);                 // FP16 step just above 1
  EXPECT_EQ(DoubleToHalf(1.0 + ulp / 2), 0x3c00);          // tie, down to even
  EXPECT_EQ(DoubleToHalf(1.0 + 3 * ulp / 2), 0x3c02);      // tie, up to even
  EXPECT_EQ(DoubleToHalf(1.0 + ulp / 2 + 1e-12), 0x3c01);  // just past the tie
  EXPECT_EQ(DoubleToHalf(std::ldexp(1.0, -25)), 0x0000);   // subnormal tie to even (0)
  EXPECT_EQ(DoubleToHalf(std::ldexp(3.0, -25)), 0x0002);   // subnormal tie to even (2)
  // A double just above a tie that rounding through float would lose.
  EXPECT_EQ(DoubleToHalf(1.0 + ulp / 2 + std::ldexp(1.0, -40)), 0x3c01);
  const double bulp = std::ldexp(1.0, -7);
  EXPECT_EQ(DoubleToBfloat16(1.0 + bulp / 2), 0x3f80);
  EXPECT_EQ(DoubleToBfloat16(1.0 + 3 * bulp / 2), 0x3f82);
  EXPECT_EQ(DoubleToBfloat16(1.0 + bulp / 2 + std::ldexp(1.0, -40)), 0x3f81);
}

TEST(Float16, EveryFiniteValueRoundTrips) {
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    const auto h = static_cast<uint16_t>(bits);
    if ((h & 0x7c00) != 0x7c00) {
      ASSERT_EQ(DoubleToHalf(HalfToFloat(h)), h) << bits;
    }
    if ((h & 0x7f80) != 0x7f80) {
      ASSERT_EQ(DoubleToBfloat16(Bfloat16ToFloat(h)), h) << bits;
    }
  }
  EXPECT_EQ(HalfToFloat(0x7c00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(HalfToFloat(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(HalfToFloat(0x8001), -std::ldexp(1.0f, -24));
}

std::string Json(auto value) {
  std::string out;
  AppendJsonNumber(out, value);
  return out;
}

TEST(JsonWriter, WritesShortestNumbers) {
  EXPECT_EQ(Json(0.1f), "0.1");
  EXPECT_EQ(Json(0.1), "0.1");
  EXPECT_EQ(Json(1.0f), "1");
  EXPECT_EQ(Json(-0.0), "-0.0");
  EXPECT_EQ(Json(-0.0f), "-0.0");
  EXPECT_EQ(Json(0.0), "0");
  EXPECT_EQ(Json(1e21), "1e+21");
  EXPECT_EQ(Json(123456789012345.0), "123456789012345");
  EXPECT_EQ(Json(1.2345678901234568e+20), "1.2345678901234568e+20");
  EXPECT_EQ(Json(16777216.0f), "16777216");
  EXPECT_EQ(Json(int64_t{-5}), "-5");
  EXPECT_EQ(Json(uint64_t{18446744073709551615u}), "18446744073709551615");
  EXPECT_EQ(Json(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(Json(-std::numeric_limits<float>::infinity()), "-Infinity");
}

TEST(JsonWriter, EscapesStrings) {
  std::string out;
  AppendJsonString(out, std::string_view("a\"\\\b\f\n\r\t\x00\x1f/", 11));
  EXPECT_EQ(out, R"("a\"\\\b\f\n\r\t\u0000\u001f/")");
  out.clear();
  AppendJsonString(out, "\xf4\x90\x80\x80 \xe0\x80\x80 \xf0\x9f\x98");  // > U+10FFFF, overlong, cut
  EXPECT_EQ(out, R"("\ufffd\ufffd\ufffd\ufffd \ufffd\ufffd\ufffd \ufffd\ufffd\ufffd")");
}

TEST(ErrorJson, EscapesTheMessage) {
  EXPECT_EQ(ErrorJson("bad \"x\""), R"({"error":"bad \"x\""})");
}

TEST(PaddedBuffer, KeepsZeroPaddingAfterTheContents) {
  PaddedBuffer buffer;
  EXPECT_EQ(buffer.size(), 0u);
  EXPECT_EQ(buffer.data()[PaddedBuffer::kPadding - 1], 0);
  std::string chunk(1000, 'x');
  for (int i = 0; i < 100; ++i) buffer.Append(chunk.data(), chunk.size());
  ASSERT_EQ(buffer.size(), 100000u);
  EXPECT_EQ(buffer.view(), std::string(100000, 'x'));
  for (size_t i = 0; i < PaddedBuffer::kPadding; ++i)
    EXPECT_EQ(buffer.data()[buffer.size() + i], 0);
  char* space = buffer.Prepare(3);
  std::memcpy(space, "abc", 3);
  buffer.Commit(3);
  EXPECT_EQ(buffer.view().substr(100000), "abc");
  EXPECT_EQ(buffer.data()[buffer.size()], 0);
}

}  // namespace
}  // namespace tensord::http
