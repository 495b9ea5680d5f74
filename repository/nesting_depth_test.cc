// CheckNestingDepth: the nesting bound applied before nlohmann or protobuf touch
// control-plane text (issue 10: a config override nested 100,000 deep crashed the server).
#include "repository/nesting_depth.h"

#include <string>

#include "core/status_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord {
namespace {

using ::testing::HasSubstr;

std::string Nested(int depth, char open = '[', char close = ']') {
  return std::string(depth, open) + std::string(depth, close);
}

absl::Status Json(std::string_view text, int max_depth = kMaxNestingDepth) {
  return CheckNestingDepth(text, Syntax::kJson, "s", max_depth);
}
absl::Status Text(std::string_view text, int max_depth = kMaxNestingDepth) {
  return CheckNestingDepth(text, Syntax::kProtoText, "s", max_depth);
}

TEST(CheckNestingDepth, AcceptsDocumentsUpToTheLimit) {
  EXPECT_TRUE(Json(R"({"a": [1, {"b": {}}], "c": "x"})").ok());
  EXPECT_TRUE(Json(Nested(kMaxNestingDepth)).ok());
  EXPECT_TRUE(Json("").ok());
  EXPECT_TRUE(Text("a { b < c: 1 > d [ { e: 2 } ] }").ok());
  EXPECT_TRUE(Text(Nested(kMaxNestingDepth, '{', '}')).ok());
}

TEST(CheckNestingDepth, RefusesDeeperJsonWithoutRecursing) {
  const absl::Status one_more =
      CheckNestingDepth(Nested(kMaxNestingDepth + 1), Syntax::kJson, "config override");
  EXPECT_EQ(one_more.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(one_more), "config override: JSON nested deeper than 64 levels");
  // What crashed the server: 100,000 levels, objects and arrays mixed, and unterminated.
  std::string attack;
  for (int i = 0; i < 100'000; ++i) attack += i % 2 ? "[" : R"({"a":)";
  EXPECT_EQ(Message(CheckNestingDepth(attack, Syntax::kJson, "m/model-settings.json")),
            "m/model-settings.json: JSON nested deeper than 64 levels");
}

TEST(CheckNestingDepth, RefusesDeeperProtoTextWithEveryBracket) {
  std::string attack;
  for (int i = 0; i < 100'000; ++i) attack += i % 3 == 0 ? "x { " : i % 3 == 1 ? "y < " : "z [ ";
  const absl::Status status = CheckNestingDepth(attack, Syntax::kProtoText, "m/config.pbtxt");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(status), "m/config.pbtxt: nested deeper than 64 levels");
  // '<' is no bracket in JSON.
  EXPECT_TRUE(Json(std::string(1000, '<')).ok());
}

TEST(CheckNestingDepth, BracketsInsideStringsDoNotCount) {
  EXPECT_TRUE(Json("\"" + Nested(1000) + "\"").ok());
  // An escaped quote does not end the string; an escaped backslash does not escape the quote.
  EXPECT_TRUE(Json(R"(["\"[[[[", "\\", {}])", 2).ok());
  EXPECT_FALSE(Json(R"(["\\", [[]]])", 2).ok());
  EXPECT_FALSE(Json(R"(["\"]", [[]]])", 2).ok());
  // Text format: both quotes, and comments.
  EXPECT_TRUE(Text("a: '{{{{' b: \"<<<<\" # {{{{{\nc { }", 1).ok());
  EXPECT_FALSE(Text("a: '\\'{' b { c { } }", 1).ok());
  // In JSON a single quote and '#' are just characters (outside strings they are invalid,
  // which the parser reports).
  EXPECT_FALSE(Json("# [[[", 2).ok());
}

TEST(CheckNestingDepth, ClosingBracketsLowerTheDepth) {
  std::string siblings;
  for (int i = 0; i < 1000; ++i) siblings += "[[]],";
  EXPECT_TRUE(Json("[" + siblings + "1]", 3).ok());
  EXPECT_THAT(Message(Json("[" + siblings + "[[[]]]]", 3)), HasSubstr("nested deeper than 3"));
}

}  // namespace
}  // namespace tensord
