// The per-model instance limit (repository/instance_limit.h).
#include "repository/instance_limit.h"

#include "core/status_util.h"
#include "gtest/gtest.h"

namespace tensord {
namespace {

TEST(DefaultMaxInstancesPerModel, FourPerCpuWithAFloor) {
  EXPECT_EQ(DefaultMaxInstancesPerModel(1), 16);
  EXPECT_EQ(DefaultMaxInstancesPerModel(2), 16);
  EXPECT_EQ(DefaultMaxInstancesPerModel(8), 32);
  EXPECT_EQ(DefaultMaxInstancesPerModel(0), 16);
}

TEST(CheckInstanceCount, SaysTheFieldTheCountTheLimitAndTheFlag) {
  EXPECT_TRUE(CheckInstanceCount(8, 8, "w", "f").ok());
  EXPECT_TRUE(CheckInstanceCount(0, 8, "w", "f").ok());
  const absl::Status status =
      CheckInstanceCount(3000, 8, "models/m/config.pbtxt", "instance_group count");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(status),
            "models/m/config.pbtxt: instance_group count asks for 3000 instances; the limit is 8 "
            "per model (--max-instances-per-model)");
}

TEST(InstanceCountField, NamesTheFieldOfEachFormat) {
  EXPECT_EQ(InstanceCountField("models/m/model-settings.json"), "parallel_workers");
  EXPECT_EQ(InstanceCountField("models/m/config.pbtxt"), "instance_group count");
}

}  // namespace
}  // namespace tensord
