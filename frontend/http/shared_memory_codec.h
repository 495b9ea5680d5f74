// JSON of the system shared-memory extension (Triton's v2/systemsharedmemory routes).
//
//   absl::StatusOr<SharedMemoryRegion> region = DecodeRegisterRequest(body, "in0");
//   // body: {"key": "/input0", "offset": 0, "byte_size": 64}
//   std::string json = EncodeSharedMemoryStatus(regions);
//   // [{"name": "in0", "key": "/input0", "offset": 0, "byte_size": 64}, ...]
//
// "key" and "byte_size" are required, "offset" defaults to 0; sizes are non-negative
// integers. Errors are InvalidArgument naming the region and the field.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/inference_service.h"
#include "frontend/http/padded_buffer.h"

namespace tensord::http {

absl::StatusOr<SharedMemoryRegion> DecodeRegisterRequest(const PaddedBuffer& body,
                                                         std::string_view name);
std::string EncodeSharedMemoryStatus(const std::vector<SharedMemoryRegion>& regions);

}  // namespace tensord::http
