#include "frontend/http/reply_header.h"

#include <string>

#include "gtest/gtest.h"

namespace tensord::http {
namespace {

TEST(ReplyHeader, StatusLineFieldsAndLengthEndWithAnEmptyLine) {
  std::string out = "left over from the last reply";
  WriteReplyHeader(out, {.version = 11, .status = 200, .keep_alive = true, .content_length = 42},
                   {{"Content-Type", "application/json"}, {"Allow", ""}});
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 42\r\n\r\n");
}

TEST(ReplyHeader, ConnectionIsWrittenOnlyWhereItDiffersFromTheVersionsDefault) {
  std::string out;
  WriteReplyHeader(out, {.version = 11, .status = 404, .keep_alive = false}, {});
  EXPECT_EQ(out, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  WriteReplyHeader(out, {.version = 10, .status = 200, .keep_alive = true, .content_length = 3},
                   {});
  EXPECT_EQ(out, "HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\n");
  WriteReplyHeader(out, {.version = 10, .status = 200, .keep_alive = false}, {});
  EXPECT_EQ(out, "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
}

TEST(ReplyHeader, StatusesWithoutABodyGetNoContentLength) {
  std::string out;
  for (int status : {100, 204, 304}) {
    WriteReplyHeader(out, {.status = status}, {});
    EXPECT_EQ(out.find("Content-Length"), std::string::npos) << status;
  }
}

TEST(ReplyHeader, ReasonPhrases) {
  EXPECT_EQ(ReasonPhrase(499), "Client Closed Request");
  EXPECT_EQ(ReasonPhrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(ReasonPhrase(503), "Service Unavailable");
  EXPECT_EQ(ReasonPhrase(299), "Unknown");
}

}  // namespace
}  // namespace tensord::http
