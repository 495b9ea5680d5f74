// Tensor shapes: a list of dimensions, -1 meaning "any size" in model metadata.
//
//   absl::StatusOr<int64_t> n = ElementCount({32, 3, 224, 224});   // overflow-checked
//   ShapeToString({-1, 16}) == "[-1,16]"
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace tensord {

using Shape = std::vector<int64_t>;

// Product of the dimensions. InvalidArgument for a negative dimension or when the product
// does not fit in int64_t; nothing is allocated, so any client-sent shape is safe to check.
absl::StatusOr<int64_t> ElementCount(std::span<const int64_t> shape);

// "[1,2,3]".
std::string ShapeToString(std::span<const int64_t> shape);

// True when `actual` (no wildcards) fits `pattern` (where -1 matches any size).
bool ShapeMatches(std::span<const int64_t> pattern, std::span<const int64_t> actual);

}  // namespace tensord
