// ONNX tensor element types <-> tensord datatypes.
//
//   absl::StatusOr<DataType> t = DataTypeFromOnnx(ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT);  // kFp32
//   ONNXTensorElementDataType o = OnnxFromDataType(DataType::kBytes);  // ..._STRING
//
// FP16 and BF16 travel as raw 16-bit patterns; BYTES is ONNX's string.
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "core/datatype.h"
#include "onnxruntime_c_api.h"

namespace tensord::runtime::onnx {

// InvalidArgument for element types tensord cannot carry (complex, float8, int4, ...).
absl::StatusOr<DataType> DataTypeFromOnnx(ONNXTensorElementDataType type);
// ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED for kInvalid.
ONNXTensorElementDataType OnnxFromDataType(DataType type);
// ONNX's spelling ("COMPLEX64"), for messages.
std::string_view OnnxTypeName(ONNXTensorElementDataType type);

}  // namespace tensord::runtime::onnx
