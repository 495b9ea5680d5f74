#include "frontend/http/header_arena.h"

#include <cstdint>
#include <cstring>
#include <list>
#include <string>

#include "gtest/gtest.h"

namespace tensord::http {
namespace {

bool Aligned(const void* p, size_t alignment) {
  return reinterpret_cast<uintptr_t>(p) % alignment == 0;
}

TEST(HeaderArenaTest, AllocationsAreAlignedAndDoNotOverlap) {
  HeaderArena arena;
  char* a = static_cast<char*>(arena.Allocate(3, 1));
  auto* b = static_cast<uint64_t*>(arena.Allocate(sizeof(uint64_t) * 2, alignof(uint64_t)));
  void* c = arena.Allocate(1, alignof(std::max_align_t));
  EXPECT_TRUE(Aligned(b, alignof(uint64_t)));
  EXPECT_TRUE(Aligned(c, alignof(std::max_align_t)));
  std::memset(a, 'a', 3);
  b[0] = b[1] = ~uint64_t{0};
  EXPECT_GE(reinterpret_cast<char*>(b), a + 3);
  EXPECT_GE(static_cast<char*>(c), reinterpret_cast<char*>(b + 2));
  EXPECT_EQ(std::string(a, 3), "aaa");
}

TEST(HeaderArenaTest, ResetReusesTheFirstBlockAndFreesTheLargerOnes) {
  HeaderArena arena;
  void* first = arena.Allocate(16, 8);
  arena.Reset();
  EXPECT_EQ(arena.Allocate(16, 8), first);  // the same memory, request after request
  // More than the first block holds: larger blocks, each at least twice the last.
  for (int i = 0; i < 10; ++i) {
    char* p = static_cast<char*>(arena.Allocate(1000, 1));
    std::memset(p, 'x', 1000);
  }
  EXPECT_GE(arena.extra_blocks(), 2u);
  void* huge = arena.Allocate(1 << 20, 16);  // one allocation bigger than any block so far
  ASSERT_NE(huge, nullptr);
  std::memset(huge, 'y', 1 << 20);
  arena.Reset();
  EXPECT_EQ(arena.extra_blocks(), 0u);
  EXPECT_EQ(arena.Allocate(16, 8), first);
}

TEST(HeaderArenaTest, AnAbsurdSizeIsBadAllocNotAWrappedPointer) {
  HeaderArena arena;
  EXPECT_THROW(arena.Allocate(~size_t{0} - 4, 8), std::bad_alloc);
}

TEST(HeaderArenaTest, ServesAStandardContainer) {
  HeaderArena arena;
  {
    std::list<std::string, HeaderAllocator<std::string>> fields{
        HeaderAllocator<std::string>(&arena)};
    for (int i = 0; i < 200; ++i) fields.push_back("field-" + std::to_string(i));
    EXPECT_EQ(fields.size(), 200u);
    EXPECT_EQ(fields.back(), "field-199");
  }
  arena.Reset();
  HeaderAllocator<char> chars(&arena);
  HeaderAllocator<int> ints(chars);
  EXPECT_TRUE(chars == ints);
  HeaderArena other;
  EXPECT_TRUE(chars != HeaderAllocator<char>(&other));
}

}  // namespace
}  // namespace tensord::http
