#include "runtime/reshape.h"

#include "core/status_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord::runtime {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ReshapeTo, FixedShapesKeepTheBatchDimension) {
  absl::StatusOr<Shape> s = ReshapeTo(Shape{3, 3, 224, 224}, {3, 224, 224}, {1, 3, 224, 224}, 1, "x");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_THAT(*s, ElementsAre(3, 1, 3, 224, 224));
  s = ReshapeTo(Shape{1, 1000, 1, 1}, {1, 1000, 1, 1}, {1000}, 0, "y");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_THAT(*s, ElementsAre(1000));
}

TEST(ReshapeTo, ASingleWildcardIsInferredFromTheElementCount) {
  absl::StatusOr<Shape> s = ReshapeTo(Shape{2, 5, 4}, {-1, 4}, {-1}, 1, "x");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_THAT(*s, ElementsAre(2, 20));
  s = ReshapeTo(Shape{0, 4}, {-1, 4}, {-1, 2}, 0, "x");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_THAT(*s, ElementsAre(0, 2));
}

TEST(ReshapeTo, SeveralWildcardsTakeTheRequestsSizesInOrder) {
  absl::StatusOr<Shape> s = ReshapeTo(Shape{7, 3, 9}, {-1, 3, -1}, {1, -1, 3, -1}, 0, "x");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_THAT(*s, ElementsAre(1, 7, 3, 9));
}

TEST(ReshapeTo, AShapeThatCannotBeReshapedIsRefusedNamingTheTensor) {
  absl::StatusOr<Shape> s = ReshapeTo(Shape{5}, {-1}, {2, -1}, 0, "input 'x'");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(s.status()), HasSubstr("input 'x'"));
  EXPECT_THAT(Message(s.status()), HasSubstr("do not divide"));

  s = ReshapeTo(Shape{6}, {-1}, {4}, 0, "input 'x'");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s.status()), HasSubstr("6 elements, the reshape holds 4"));

  s = ReshapeTo(Shape{6}, {-1}, {-1, -1}, 0, "input 'x'");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s.status()), HasSubstr("cannot be matched"));

  s = ReshapeTo(Shape{}, {}, {1}, 1, "input 'x'");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s.status()), HasSubstr("no batch dimension"));
}

}  // namespace
}  // namespace tensord::runtime
