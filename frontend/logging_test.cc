#include <chrono>
#include <memory>
#include <regex>
#include <sstream>
#include <string>

#include "frontend/access_log.h"
#include "frontend/log_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"

namespace tensord {
namespace {

using ::testing::HasSubstr;

TEST(JsonEscapeTest, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(JsonEscape("say \"hi\""), "say \\\"hi\\\"");
  EXPECT_EQ(JsonEscape("C:\\path"), "C:\\\\path");
  EXPECT_EQ(JsonEscape("a\nb\rc\td\be\ff"), "a\\nb\\rc\\td\\be\\ff");
  EXPECT_EQ(JsonEscape(std::string("x\x01y\x1fz", 5)), "x\\u0001y\\u001fz");
  EXPECT_EQ(JsonEscape(std::string("nul\0", 4)), "nul\\u0000");
}

TEST(JsonEscapeTest, PassesUtf8Through) {
  EXPECT_EQ(JsonEscape("modèle µs 模型"), "modèle µs 模型");
}

TEST(ParseLogFormatTest, AcceptsTextAndJson) {
  EXPECT_EQ(*ParseLogFormat("text"), LogFormat::kText);
  EXPECT_EQ(*ParseLogFormat("json"), LogFormat::kJson);
  absl::StatusOr<LogFormat> bad = ParseLogFormat("xml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("--log-format: 'xml'"));
}

TEST(Iso8601UtcTest, FormatsMilliseconds) {
  const auto time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'000'123));
  EXPECT_EQ(Iso8601Utc(time), "1970-01-01T00:16:40.123Z");
}

// Logs `message` through a logger with `formatter` and returns what it wrote.
std::string LogWith(std::unique_ptr<spdlog::formatter> formatter, const std::string& message) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
  spdlog::logger logger("test", sink);
  logger.set_formatter(std::move(formatter));
  logger.warn("{}", message);
  return out.str();
}

// "2026-11-28T22:10:00.123Z"
bool IsIsoTime(const std::string& text) {
  return std::regex_match(text, std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)"));
}

TEST(JsonLogFormatterTest, OneEscapedObjectPerLine) {
  const std::string line = LogWith(std::make_unique<JsonLogFormatter>(), "model \"a\\b\"\nfailed");
  ASSERT_EQ(line.substr(0, 9), R"({"time":")");
  EXPECT_TRUE(IsIsoTime(line.substr(9, 24))) << line;
  EXPECT_EQ(line.substr(33), R"(","level":"warning","message":"model \"a\\b\"\nfailed"})"
                             "\n");
}

TEST(JsonLogFormatterTest, RawFieldEmbedsTheMessage) {
  const std::string line = LogWith(std::make_unique<JsonLogFormatter>("access"), R"({"a":1})");
  EXPECT_THAT(line, HasSubstr(R"("level":"warning","access":{"a":1}})"));
  EXPECT_EQ(line.back(), '\n');
}

TEST(TextFormatterTest, IsoTimeLevelMessage) {
  const std::string line = LogWith(MakeTextFormatter(), "model 'mlp' ready");
  EXPECT_TRUE(IsIsoTime(line.substr(0, 24))) << line;
  EXPECT_EQ(line.substr(24), " warning model 'mlp' ready\n");
}

TEST(AccessLogTest, HttpText) {
  AccessRecord record{.protocol = "http",
                      .method = "POST",
                      .path = "/v2/models/mlp/infer",
                      .model = "mlp",
                      .version = "1",
                      .http_status = 200,
                      .latency_us = 123};
  EXPECT_EQ(FormatAccessText(record),
            "access http POST /v2/models/mlp/infer model=mlp version=1 status=200 latency_us=123");
  record.version = "";
  record.request_id = "req 1";
  EXPECT_EQ(FormatAccessText(record),
            "access http POST /v2/models/mlp/infer model=mlp status=200 latency_us=123 id=req 1");
}

TEST(AccessLogTest, GrpcTextEscapesNewlines) {
  const AccessRecord record{.protocol = "grpc",
                            .method = "ModelInfer",
                            .model = "m\nx",
                            .grpc_code = "INVALID_ARGUMENT",
                            .latency_us = 7};
  EXPECT_EQ(FormatAccessText(record),
            "access grpc ModelInfer model=m\\nx status=INVALID_ARGUMENT latency_us=7");
}

TEST(AccessLogTest, Json) {
  const AccessRecord http{.protocol = "http",
                          .method = "POST",
                          .path = "/v2/models/a\"b/infer",
                          .model = "a\"b",
                          .version = "2",
                          .http_status = 400,
                          .latency_us = 5,
                          .request_id = "r1"};
  EXPECT_EQ(FormatAccessJson(http),
            R"({"protocol":"http","method":"POST","path":"/v2/models/a\"b/infer",)"
            R"("model":"a\"b","version":"2","status":400,"latency_us":5,"request_id":"r1"})");
  const AccessRecord grpc{
      .protocol = "grpc", .method = "ModelInfer", .model = "m", .grpc_code = "OK", .latency_us = 9};
  EXPECT_EQ(FormatAccessJson(grpc),
            R"({"protocol":"grpc","method":"ModelInfer","model":"m","version":"",)"
            R"("status":"OK","latency_us":9})");
}

TEST(AccessLogTest, SpdlogJsonEmbedsTheRecord) {
  std::ostringstream out;
  auto logger = std::make_shared<spdlog::logger>(
      "access", std::make_shared<spdlog::sinks::ostream_sink_st>(out));
  logger->set_formatter(std::make_unique<JsonLogFormatter>("access"));
  SpdlogAccessLog log(logger, /*json=*/true);
  log.Log({.protocol = "grpc", .method = "ModelInfer", .model = "m", .grpc_code = "OK",
           .latency_us = 1});
  EXPECT_THAT(out.str(), HasSubstr(R"("level":"info","access":{"protocol":"grpc")"));
}

}  // namespace
}  // namespace tensord
