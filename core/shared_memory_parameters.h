// The shared-memory parameters of the protocol (Triton's shared-memory extensions): an
// input or a requested output whose data lies in a registered region rather than in the
// message.
//
//   if (InSharedMemory(tensor)) { /* no data in the message; the server reads the region */ }
//   absl::StatusOr<std::optional<SharedMemoryRef>> ref =
//       SharedMemoryRefFrom(tensor.parameters, "input 'x'");
//
// "shared_memory_region" (string) and "shared_memory_byte_size" (int64) are required
// together; "shared_memory_offset" (int64) is optional and defaults to 0. Frontends only
// pass these parameters on; serving/ resolves them against its region registry.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/tensor.h"

namespace tensord {

inline constexpr std::string_view kSharedMemoryRegion = "shared_memory_region";
inline constexpr std::string_view kSharedMemoryOffset = "shared_memory_offset";
inline constexpr std::string_view kSharedMemoryByteSize = "shared_memory_byte_size";

// What both frontends answer to the CUDA shared-memory extension (an Unimplemented error).
inline constexpr std::string_view kCudaSharedMemoryUnsupported =
    "CUDA shared memory is not supported on this server: tensord runs models on the CPU; use "
    "system shared memory instead";

struct SharedMemoryRef {
  std::string region;
  uint64_t offset = 0;
  uint64_t byte_size = 0;
};

// True when the parameters name a region (the data is not in the message).
bool InSharedMemory(const Parameters& parameters);
inline bool InSharedMemory(const Tensor& tensor) { return InSharedMemory(tensor.parameters); }

// nullopt when none of the three parameters is present. InvalidArgument, prefixed with
// `context` ("input 'x'"), when only some are, or one has the wrong type or a negative value.
absl::StatusOr<std::optional<SharedMemoryRef>> SharedMemoryRefFrom(const Parameters& parameters,
                                                                   std::string_view context);

}  // namespace tensord
