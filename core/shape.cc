#include "core/shape.h"

#include <limits>

#include "fmt/format.h"
#include "fmt/ranges.h"

namespace tensord {

absl::StatusOr<int64_t> ElementCount(std::span<const int64_t> shape) {
  int64_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0) {
      return absl::InvalidArgumentError(
          fmt::format("shape {} has a negative dimension", ShapeToString(shape)));
    }
    if (dim != 0 && count > std::numeric_limits<int64_t>::max() / dim) {
      return absl::InvalidArgumentError(
          fmt::format("shape {} has too many elements", ShapeToString(shape)));
    }
    count *= dim;
  }
  return count;
}

std::string ShapeToString(std::span<const int64_t> shape) {
  return fmt::format("[{}]", fmt::join(shape, ","));
}

bool ShapeMatches(std::span<const int64_t> pattern, std::span<const int64_t> actual) {
  if (pattern.size() != actual.size()) return false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != -1 && pattern[i] != actual[i]) return false;
  }
  return true;
}

}  // namespace tensord
