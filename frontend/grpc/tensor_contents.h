// Typed tensor contents (InferTensorContents: bool_contents, int_contents, ...) → tensord's
// byte layout. Typed contents are the slow path of the protocol: each element is
// converted and copied once into an owned buffer (raw_input_contents are viewed instead).
//
//   absl::StatusOr<Buffer> data = TypedContentsToBuffer(input.contents(), DataType::kInt8,
//                                                       /*element_count=*/4, "x");
//
// Which field a datatype takes: BOOL bool_contents; INT8/INT16/INT32 int_contents; INT64
// int64_contents; UINT8/UINT16/UINT32 uint_contents; UINT64 uint64_contents; FP32
// fp32_contents; FP64 fp64_contents; BYTES bytes_contents (stored with 4-byte little-endian
// length prefixes). FP16 and BF16 have no typed field: raw only.
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/datatype.h"
#include "core/tensor.h"
#include "grpc_service.pb.h"

namespace tensord::grpc {

// InvalidArgument naming input `name` when: the datatype has no typed field (FP16, BF16);
// a field other than the datatype's holds elements; the element count differs from
// `element_count`; a value does not fit the datatype (300 for INT8).
absl::StatusOr<Buffer> TypedContentsToBuffer(const inference::InferTensorContents& contents,
                                             DataType datatype, int64_t element_count,
                                             std::string_view name);

// Total number of elements over every field (0: no typed contents given).
int64_t TypedElementCount(const inference::InferTensorContents& contents);

}  // namespace tensord::grpc
