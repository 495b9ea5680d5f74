#include "frontend/auth/token_table.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord::auth {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kInferToken = "infer-token-0123456789";
constexpr std::string_view kAdminToken = "admin-token-0123456789";

TEST(TokenTableTest, ParsesTokensCommonNamesCommentsAndBlankLines) {
  absl::StatusOr<TokenTable> table = ParseTokenTable(
      "# tokens\n"
      "\n"
      "infer-token-0123456789   infer\n"
      "  admin-token-0123456789\tadmin   # the operators\n"
      "both-token-0123456789 infer,metrics\r\n"
      "cn:scraper.internal metrics\n",
      "tokens");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->token_count(), 3u);
  EXPECT_EQ(table->RolesOfToken(kInferToken), RoleBit(Role::kInfer));
  EXPECT_EQ(table->RolesOfToken(kAdminToken), RoleBit(Role::kAdmin));
  EXPECT_EQ(table->RolesOfToken("both-token-0123456789"),
            RoleBit(Role::kInfer) | RoleBit(Role::kMetrics));
  EXPECT_EQ(table->RolesOfToken("admin-token-012345678"), std::nullopt);
  EXPECT_EQ(table->RolesOfToken(""), std::nullopt);
  EXPECT_EQ(table->RolesOfCommonName("scraper.internal"), RoleBit(Role::kMetrics));
  EXPECT_EQ(table->RolesOfCommonName("other"), std::nullopt);
}

void ExpectError(std::string_view text, std::string_view message) {
  absl::StatusOr<TokenTable> table = ParseTokenTable(text, "/etc/tokens");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(table.status().message()), HasSubstr(std::string(message)));
}

TEST(TokenTableTest, BadLinesAreNamedByNumber) {
  ExpectError("infer-token-0123456789 infer\nadmin-token-0123456789 root\n",
              "auth tokens file '/etc/tokens' line 2: unknown role 'root' (roles: infer, admin, "
              "metrics)");
  ExpectError("infer-token-0123456789\n",
              "line 1: expected '<token> <role>[,<role>...]' or 'cn:<name> <role>[,...]', got 1 "
              "field");
  ExpectError("\ninfer-token-0123456789 infer extra\n", "line 2: expected");
  ExpectError("short infer\n", "line 1: a token must be at least 16 characters long");
  ExpectError("infer-token-0123456789 infer,\n", "line 1: unknown role ''");
  ExpectError("infer-token-0123456789 infer\n# x\ninfer-token-0123456789 admin\n",
              "line 3: the same token as on line 1");
  ExpectError("cn: infer\n", "line 1: 'cn:' needs a name");
  ExpectError("cn:a infer\ncn:a admin\n", "line 2: common name 'a' is listed twice");
  ExpectError("# nothing\n\n", "auth tokens file '/etc/tokens' lists no token and no 'cn:' name");
}

TEST(TokenTableTest, MessagesNeverQuoteATokenAndAMissingFileIsNamed) {
  absl::StatusOr<TokenTable> table = ParseTokenTable("secret-token-0123456789 superuser\n", "t");
  ASSERT_FALSE(table.ok());
  EXPECT_THAT(std::string(table.status().message()), ::testing::Not(HasSubstr("secret-token")));
  absl::StatusOr<TokenTable> missing = LoadTokenTable("/nonexistent/tokens");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("cannot read auth tokens file '/nonexistent/tokens'"));
}

TEST(TokenTableTest, HashIsSha256) {
  const TokenHash hash = HashToken("abc");
  EXPECT_EQ(hash[0], 0xba);
  EXPECT_EQ(hash[31], 0xad);
}

}  // namespace
}  // namespace tensord::auth
