#include "frontend/http/content_encoding.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord::http {
namespace {

using ::testing::HasSubstr;

std::shared_ptr<const PaddedBuffer> Body(std::string_view text) {
  return std::make_shared<PaddedBuffer>(text);
}

TEST(ContentEncoding, RoundTripsGzipAndDeflate) {
  const std::string json =
      R"({"inputs":[{"name":"x","shape":[3],"datatype":"FP32","data":[1,2,3]}]})";
  for (ContentEncoding encoding : {ContentEncoding::kGzip, ContentEncoding::kDeflate}) {
    const std::string compressed = Compress(json, encoding);
    absl::StatusOr<std::shared_ptr<const PaddedBuffer>> plain =
        DecodeContentEncoding(Body(compressed), EncodingName(encoding), 1 << 20);
    ASSERT_TRUE(plain.ok()) << plain.status();
    EXPECT_EQ((*plain)->view(), json);
  }
  auto body = Body("as is");
  EXPECT_EQ(*DecodeContentEncoding(body, "identity", 10), body);
  EXPECT_EQ(*DecodeContentEncoding(body, "", 10), body);
}

TEST(ContentEncoding, TheLimitIsOnTheDecompressedSize) {
  const std::string zeros(1 << 20, '\0');
  const std::string bomb = Compress(zeros, ContentEncoding::kGzip);
  ASSERT_LT(bomb.size(), 8192u);
  absl::Status status = DecodeContentEncoding(Body(bomb), "gzip", 100000).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("request body is larger than the limit of 100000 bytes once "
                        "decompressed (Content-Encoding: gzip)"));
}

TEST(ContentEncoding, CorruptAndUnknown) {
  absl::Status corrupt = DecodeContentEncoding(Body("not gzip at all"), "gzip", 1000).status();
  EXPECT_EQ(corrupt.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(corrupt.message()), HasSubstr("request body is not valid gzip data"));
  const std::string truncated = Compress(std::string(1000, 'a'), ContentEncoding::kGzip);
  absl::Status cut =
      DecodeContentEncoding(Body(truncated.substr(0, truncated.size() / 2)), "gzip", 5000).status();
  EXPECT_EQ(cut.code(), absl::StatusCode::kInvalidArgument);
  absl::Status unknown = DecodeContentEncoding(Body("x"), "br", 1000).status();
  EXPECT_EQ(unknown.code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(std::string(unknown.message()),
            "Content-Encoding 'br' is not supported: send gzip, deflate or identity");
}

TEST(ContentEncoding, ChoosesWhatTheClientAccepts) {
  EXPECT_EQ(ChooseEncoding("gzip, deflate"), ContentEncoding::kGzip);
  EXPECT_EQ(ChooseEncoding("deflate"), ContentEncoding::kDeflate);
  EXPECT_EQ(ChooseEncoding("gzip;q=0, deflate;q=0.5"), ContentEncoding::kDeflate);
  EXPECT_EQ(ChooseEncoding("identity"), std::nullopt);
  EXPECT_EQ(ChooseEncoding(""), std::nullopt);
}

}  // namespace
}  // namespace tensord::http
