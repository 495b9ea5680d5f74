// Tensor element types of the Open Inference Protocol.
//
//   DataType t = DataTypeFromName("FP32");          // kInvalid for an unknown name
//   size_t bytes = DataTypeByteSize(t);             // 4; 0 for BYTES (variable length)
//   std::string_view wire = DataTypeName(t);        // "FP32"
//   DataType c = DataTypeFromConfigName("TYPE_FP32");  // Triton's config.pbtxt spelling
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tensord {

enum class DataType : uint8_t {
  kInvalid,
  kBool,
  kUint8,
  kUint16,
  kUint32,
  kUint64,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kFp16,
  kBf16,
  kFp32,
  kFp64,
  kBytes,
};

// Wire name ("FP32"); "INVALID" for kInvalid.
std::string_view DataTypeName(DataType type);
// Parses a wire name; kInvalid when unknown. Case-sensitive, as the protocol is.
DataType DataTypeFromName(std::string_view name);
// Triton's model configuration names ("TYPE_FP32", "TYPE_STRING" for BYTES).
std::string_view DataTypeConfigName(DataType type);
DataType DataTypeFromConfigName(std::string_view name);
// Bytes per element; 0 for kBytes and kInvalid.
size_t DataTypeByteSize(DataType type);

}  // namespace tensord
