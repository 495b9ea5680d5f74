#include "shared_memory/region_registry.h"

#include <cstring>

#include "core/status_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "shared_memory/test_object.h"

namespace tensord::shm {
namespace {

using ::testing::HasSubstr;

TEST(RegionRegistryTest, RegisterFindStatusUnregister) {
  testing::TestObject object(8192);
  RegionRegistry registry({});
  ASSERT_TRUE(
      registry.Register({.name = "b", .key = object.key(), .offset = 4100, .byte_size = 16}).ok());
  ASSERT_TRUE(registry.Register({.name = "a", .key = object.key(), .byte_size = 8192}).ok());
  std::memcpy(object.bytes().data() + 4100, "hello", 5);

  absl::StatusOr<std::shared_ptr<MappedRegion>> b = registry.Find("b");
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_EQ((*b)->bytes().size(), 16u);
  EXPECT_EQ(std::memcmp((*b)->bytes().data(), "hello", 5), 0);  // offset not page-aligned

  absl::StatusOr<std::vector<RegionInfo>> all = registry.Status("");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "a");
  EXPECT_EQ((*all)[1].offset, 4100u);

  // Unregistering while a holder keeps the region: the mapping stays valid for it.
  ASSERT_TRUE(registry.Unregister("b").ok());
  EXPECT_EQ(registry.Find("b").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(std::memcmp((*b)->bytes().data(), "hello", 5), 0);
  ASSERT_TRUE(registry.Unregister("").ok());
  EXPECT_TRUE(registry.Status("")->empty());
}

TEST(RegionRegistryTest, BadRegistrations) {
  testing::TestObject object(64);
  RegionRegistry registry({.max_regions = 1});
  ASSERT_TRUE(registry.Register({.name = "r", .key = object.key(), .byte_size = 64}).ok());

  absl::Status duplicate = registry.Register({.name = "r", .key = object.key(), .byte_size = 8});
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Message(duplicate), "shared memory region 'r' already in manager");

  absl::Status full = registry.Register({.name = "s", .key = object.key(), .byte_size = 8});
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(Message(full), HasSubstr("limit of 1 registered regions"));

  RegionRegistry roomy({});
  absl::Status past_end =
      roomy.Register({.name = "p", .key = object.key(), .offset = 60, .byte_size = 8});
  EXPECT_EQ(past_end.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(past_end),
              HasSubstr("region 'p' (key '" + object.key() +
                        "'): offset 60 + byte_size 8 is past the end of the object (64 bytes)"));

  absl::Status overflow =
      roomy.Register({.name = "o", .key = object.key(), .offset = ~uint64_t{0}, .byte_size = 2});
  EXPECT_THAT(Message(overflow), HasSubstr("overflows"));

  absl::Status missing =
      roomy.Register({.name = "m", .key = "/tensord_no_such_key", .byte_size = 8});
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(missing), HasSubstr("cannot open the shared memory object: No such file"));

  absl::Status empty = roomy.Register({.name = "z", .key = object.key(), .byte_size = 0});
  EXPECT_THAT(Message(empty), HasSubstr("byte_size must be greater than 0"));

  absl::Status unknown = roomy.Unregister("nope");
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Message(unknown), "Unable to find system shared memory region: 'nope'");
  EXPECT_EQ(roomy.Status("nope").status().code(), absl::StatusCode::kNotFound);
}

TEST(RegionRegistryTest, DisabledRefusesEverything) {
  testing::TestObject object(64);
  RegionRegistry registry({.allowed = false});
  absl::Status status = registry.Register({.name = "r", .key = object.key(), .byte_size = 64});
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(Message(status), HasSubstr("--allow-client-shm=false"));
  EXPECT_EQ(registry.Status("").status().code(), absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace tensord::shm
