#include "runtime/python/control_message.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace tensord::runtime::python {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ControlMessage, PredictCallCarriesPlacesAndParameters) {
  PredictCall call{.id = "r1",
                   .parameters = {{"content_type", std::string("pd")}, {"timeout", int64_t{5}}},
                   .inputs = {{.name = "x",
                               .datatype = DataType::kFp32,
                               .shape = {2, 3},
                               .offset = 64,
                               .size = 24,
                               .parameters = {{"content_type", std::string("np")}}}},
                   .outputs = {"y"},
                   .arena_size = 4096};
  nlohmann::json message = nlohmann::json::parse(EncodePredictCall(call));
  EXPECT_EQ(message["op"], "predict");
  EXPECT_EQ(message["id"], "r1");
  EXPECT_EQ(message["parameters"]["content_type"], "pd");
  EXPECT_EQ(message["parameters"]["timeout"], 5);
  EXPECT_EQ(message["arena_size"], 4096);
  const nlohmann::json& x = message["inputs"][0];
  EXPECT_EQ(x["name"], "x");
  EXPECT_EQ(x["datatype"], "FP32");
  EXPECT_EQ(x["shape"], nlohmann::json({2, 3}));
  EXPECT_EQ(x["offset"], 64);
  EXPECT_EQ(x["size"], 24);
  EXPECT_EQ(x["parameters"]["content_type"], "np");
  EXPECT_EQ(message["outputs"], nlohmann::json({"y"}));
}

TEST(ControlMessage, ReplyWithOutputs) {
  absl::StatusOr<WorkerReply> reply = DecodeWorkerReply(
      R"({"ok": true, "arena_size": 1024, "parameters": {"a": 1.5, "b": true, "c": [1]},
          "outputs": [{"name": "y", "datatype": "INT64", "shape": [2], "offset": 0, "size": 16,
                       "parameters": {"content_type": "np"}},
                      {"name": "s", "datatype": "BYTES", "shape": [1], "offset": 64, "size": 7}]})",
      1 << 20);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_TRUE(reply->ok);
  EXPECT_EQ(reply->arena_size, 1024u);
  ASSERT_EQ(reply->outputs.size(), 2u);
  EXPECT_EQ(reply->outputs[0].datatype, DataType::kInt64);
  EXPECT_THAT(reply->outputs[0].shape, ElementsAre(2));
  EXPECT_EQ(std::get<std::string>(reply->outputs[0].parameters.at("content_type")), "np");
  EXPECT_EQ(reply->outputs[1].offset, 64u);
  EXPECT_EQ(std::get<double>(reply->parameters.at("a")), 1.5);
  EXPECT_EQ(std::get<bool>(reply->parameters.at("b")), true);
  EXPECT_EQ(std::get<std::string>(reply->parameters.at("c")), "[1]");
}

TEST(ControlMessage, ErrorReply) {
  absl::StatusOr<WorkerReply> reply = DecodeWorkerReply(
      R"({"ok": false, "phase": "predict", "error": "ValueError: bad", "traceback": "T"})", 0);
  ASSERT_TRUE(reply.ok());
  EXPECT_FALSE(reply->ok);
  EXPECT_EQ(reply->error, "ValueError: bad");
  EXPECT_EQ(reply->traceback, "T");
  EXPECT_EQ(reply->phase, "predict");
  EXPECT_EQ(reply->status_code, 0);
}

TEST(ControlMessage, MlserverErrorKeepsItsHttpStatusWhenInRange) {
  absl::StatusOr<WorkerReply> reply = DecodeWorkerReply(
      R"({"ok": false, "error": "column 'age' is missing", "status_code": 400})", 0);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status_code, 400);
  for (std::string_view ignored : {R"({"ok": false, "error": "e", "status_code": 200})",
                                   R"({"ok": false, "error": "e", "status_code": 600})",
                                   R"({"ok": false, "error": "e", "status_code": "400"})"}) {
    reply = DecodeWorkerReply(ignored, 0);
    ASSERT_TRUE(reply.ok()) << ignored;
    EXPECT_EQ(reply->status_code, 0) << ignored;
  }
}

void ExpectBad(std::string_view text, std::string_view part, uint64_t limit = 1 << 20) {
  absl::StatusOr<WorkerReply> reply = DecodeWorkerReply(text, limit);
  ASSERT_FALSE(reply.ok()) << text;
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr(part));
}

TEST(ControlMessage, MalformedRepliesAreInternalNamingTheField) {
  ExpectBad("not json", "worker reply: message: not a JSON object");
  ExpectBad(R"({"outputs": []})", "ok: expected true or false");
  ExpectBad(R"({"ok": true, "arena_size": 4096})", "arena_size: 4096 bytes is past the limit",
            1024);
  ExpectBad(R"({"ok": true, "arena_size": 64, "outputs": [{"name": "y", "datatype": "FP32",
             "shape": [4], "offset": 60, "size": 16}]})",
            "output 'y': bytes [60, +16) lie outside the arena of 64 bytes");
  ExpectBad(R"({"ok": true, "arena_size": 64, "outputs": [{"name": "y", "datatype": "FP32",
             "shape": [3], "offset": 0, "size": 16}]})",
            "output 'y': shape [3] needs 12 bytes, the arena holds 16");
  ExpectBad(R"({"ok": true, "arena_size": 64, "outputs": [{"name": "y", "datatype": "FLOAT",
             "shape": [1], "offset": 0, "size": 4}]})",
            "datatype is not a datatype");
  ExpectBad(R"({"ok": true, "arena_size": 64, "outputs": [{"name": "y", "datatype": "FP32",
             "shape": [-1], "offset": 0, "size": 4}]})",
            "shape holds a bad dimension");
  ExpectBad(R"({"ok": true, "arena_size": 64, "outputs": [{"name": "y", "datatype": "FP32",
             "shape": [1], "offset": -1, "size": 4}]})",
            "offset: expected a whole number >= 0");
}

TEST(ControlMessage, Framing) {
  const std::string frame = FrameMessage("abc");
  ASSERT_EQ(frame.size(), 7u);
  const auto* header = reinterpret_cast<const unsigned char*>(frame.data());
  EXPECT_EQ(*FrameLength(header), 3u);
  const unsigned char huge[4] = {0xff, 0xff, 0xff, 0x7f};
  EXPECT_THAT(std::string(FrameLength(huge).status().message()), HasSubstr("past the limit"));
}

}  // namespace
}  // namespace tensord::runtime::python
