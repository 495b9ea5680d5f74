#include "core/shared_memory_parameters.h"

#include "fmt/format.h"

namespace tensord {
namespace {

// The parameter as a non-negative integer; nullopt when absent.
absl::StatusOr<std::optional<uint64_t>> SizeParameter(const Parameters& parameters,
                                                      std::string_view key,
                                                      std::string_view context) {
  auto found = parameters.find(key);
  if (found == parameters.end()) return std::optional<uint64_t>();
  const int64_t* value = std::get_if<int64_t>(&found->second);
  if (value == nullptr || *value < 0) {
    return absl::InvalidArgumentError(
        fmt::format("{}: parameter '{}' must be a non-negative integer", context, key));
  }
  return std::optional<uint64_t>(static_cast<uint64_t>(*value));
}

}  // namespace

bool InSharedMemory(const Parameters& parameters) {
  return parameters.contains(kSharedMemoryRegion);
}

absl::StatusOr<std::optional<SharedMemoryRef>> SharedMemoryRefFrom(const Parameters& parameters,
                                                                   std::string_view context) {
  auto region = parameters.find(kSharedMemoryRegion);
  absl::StatusOr<std::optional<uint64_t>> size =
      SizeParameter(parameters, kSharedMemoryByteSize, context);
  if (!size.ok()) return size.status();
  absl::StatusOr<std::optional<uint64_t>> offset =
      SizeParameter(parameters, kSharedMemoryOffset, context);
  if (!offset.ok()) return offset.status();
  if (region == parameters.end()) {
    if (size->has_value() || offset->has_value()) {
      return absl::InvalidArgumentError(fmt::format(
          "{}: parameter '{}' is given without '{}'; give the region's name too", context,
          size->has_value() ? kSharedMemoryByteSize : kSharedMemoryOffset, kSharedMemoryRegion));
    }
    return std::optional<SharedMemoryRef>();
  }
  const std::string* name = std::get_if<std::string>(&region->second);
  if (name == nullptr || name->empty()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: parameter '{}' must be the name of a registered region", context,
                    kSharedMemoryRegion));
  }
  if (!size->has_value()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: parameter '{}' is required with '{}' (region '{}')", context,
                    kSharedMemoryByteSize, kSharedMemoryRegion, *name));
  }
  return std::optional<SharedMemoryRef>(
      SharedMemoryRef{.region = *name, .offset = offset->value_or(0), .byte_size = **size});
}

}  // namespace tensord
