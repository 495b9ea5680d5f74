#include "frontend/auth/auth_policy.h"

#include "gtest/gtest.h"

namespace tensord::auth {
namespace {

constexpr RoleSet kInfer = RoleBit(Role::kInfer);
constexpr RoleSet kAdmin = RoleBit(Role::kAdmin);
constexpr RoleSet kMetrics = RoleBit(Role::kMetrics);

TEST(AuthPolicyTest, InferMayServeButNotControlTheRepository) {
  for (Action action : {Action::kHealth, Action::kMetadata, Action::kInfer, Action::kStatistics}) {
    EXPECT_TRUE(RoleAllows(kInfer, action));
  }
  EXPECT_FALSE(RoleAllows(kInfer, Action::kRepositoryIndex));
  EXPECT_FALSE(RoleAllows(kInfer, Action::kModelControl));
  EXPECT_FALSE(RoleAllows(kInfer, Action::kMetrics));
}

TEST(AuthPolicyTest, MetricsMayScrapeAndProbeOnly) {
  EXPECT_TRUE(RoleAllows(kMetrics, Action::kMetrics));
  EXPECT_TRUE(RoleAllows(kMetrics, Action::kHealth));
  EXPECT_FALSE(RoleAllows(kMetrics, Action::kInfer));
  EXPECT_FALSE(RoleAllows(kMetrics, Action::kMetadata));
  EXPECT_FALSE(RoleAllows(kMetrics, Action::kModelControl));
}

TEST(AuthPolicyTest, AdminMayDoEverything) {
  for (Action action : {Action::kHealth, Action::kMetadata, Action::kInfer, Action::kStatistics,
                        Action::kRepositoryIndex, Action::kModelControl, Action::kMetrics}) {
    EXPECT_TRUE(RoleAllows(kAdmin, action));
  }
}

TEST(AuthPolicyTest, NoRoleMayDoNothing) { EXPECT_FALSE(RoleAllows(0, Action::kHealth)); }

TEST(AuthPolicyTest, RoleNamesRoundTrip) {
  EXPECT_EQ(ParseRole("infer"), Role::kInfer);
  EXPECT_EQ(ParseRole("admin"), Role::kAdmin);
  EXPECT_EQ(ParseRole("metrics"), Role::kMetrics);
  EXPECT_EQ(ParseRole("Admin"), std::nullopt);
  EXPECT_EQ(RoleSetText(kInfer | kMetrics), "infer, metrics");
  EXPECT_EQ(RoleSetText(0), "none");
}

}  // namespace
}  // namespace tensord::auth
