#include "core/shape.h"

#include <limits>

#include "gtest/gtest.h"

namespace tensord {
namespace {

TEST(ElementCount, MultipliesDimensions) {
  EXPECT_EQ(*ElementCount(Shape{}), 1);
  EXPECT_EQ(*ElementCount(Shape{2, 3, 4}), 24);
  EXPECT_EQ(*ElementCount(Shape{5, 0, 7}), 0);
}

TEST(ElementCount, RejectsNegativeDimensions) {
  absl::StatusOr<int64_t> count = ElementCount(Shape{2, -1});
  ASSERT_FALSE(count.ok());
  EXPECT_EQ(count.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(count.status().message(), "shape [2,-1] has a negative dimension");
}

TEST(ElementCount, RejectsOverflow) {
  absl::StatusOr<int64_t> count = ElementCount(Shape{4294967296, 4294967296, 4});
  ASSERT_FALSE(count.ok());
  EXPECT_EQ(count.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(count.status().message(), "shape [4294967296,4294967296,4] has too many elements");
  EXPECT_FALSE(ElementCount(Shape{std::numeric_limits<int64_t>::max(), 2}).ok());
  EXPECT_EQ(*ElementCount(Shape{std::numeric_limits<int64_t>::max(), 1}),
            std::numeric_limits<int64_t>::max());
}

TEST(ShapeMatches, WildcardsMatchAnySize) {
  EXPECT_TRUE(ShapeMatches(std::vector<int64_t>{-1, 16}, std::vector<int64_t>{7, 16}));
  EXPECT_FALSE(ShapeMatches(std::vector<int64_t>{-1, 16}, std::vector<int64_t>{7, 15}));
  EXPECT_FALSE(ShapeMatches(std::vector<int64_t>{-1, 16}, std::vector<int64_t>{16}));
  EXPECT_TRUE(ShapeMatches(std::vector<int64_t>{}, std::vector<int64_t>{}));
}

TEST(ShapeToString, Brackets) {
  EXPECT_EQ(ShapeToString(std::vector<int64_t>{}), "[]");
  EXPECT_EQ(ShapeToString(std::vector<int64_t>{-1, 3}), "[-1,3]");
}

}  // namespace
}  // namespace tensord
