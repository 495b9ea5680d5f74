#include "runtime/xgboost/xgb_status.h"

#include "gtest/gtest.h"

namespace tensord::runtime::xgboost {
namespace {

TEST(CleanXgbMessage, DropsTimestampLocationAndStackTrace) {
  EXPECT_EQ(CleanXgbMessage("[20:35:12] /build/xgboost/src/learner.cc:123: Check failed: "
                            "header == serialisation_header_: \n\nStack trace:\n  [bt] (0) x\n"),
            "Check failed: header == serialisation_header_:");
  EXPECT_EQ(CleanXgbMessage("Invalid cast: a: b"), "Invalid cast: a: b");
  EXPECT_EQ(CleanXgbMessage("[12:00:00] not a location: reason"),
            "[12:00:00] not a location: reason");
}

TEST(XgbCheck, MapsByPhase) {
  EXPECT_TRUE(XgbCheck(0, XgbPhase::kLoad, "x").ok());
  EXPECT_EQ(XgbCheck(-1, XgbPhase::kLoad, "x").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(XgbCheck(-1, XgbPhase::kPredict, "x").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(XgbCheck(-1, XgbPhase::kOther, "x").code(), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace tensord::runtime::xgboost
