#include "runtime/onnx/model_signature.h"

#include <string_view>

#include "core/status_util.h"
#include "fmt/format.h"
#include "runtime/onnx/onnx_types.h"

namespace tensord::runtime::onnx {
namespace {

std::string_view OnnxKindName(ONNXType type) {
  switch (type) {
    case ONNX_TYPE_SEQUENCE:
      return "sequence";
    case ONNX_TYPE_MAP:
      return "map";
    case ONNX_TYPE_OPAQUE:
      return "opaque";
    case ONNX_TYPE_SPARSETENSOR:
      return "sparse tensor";
    case ONNX_TYPE_OPTIONAL:
      return "optional";
    default:
      return "unknown";
  }
}

absl::StatusOr<FileTensor> ReadTensor(std::string name, const Ort::TypeInfo& type,
                                      std::string_view role) {
  if (type.GetONNXType() != ONNX_TYPE_TENSOR) {
    return absl::InvalidArgumentError(
        fmt::format("{} '{}' is a {}, not a tensor; tensord serves tensors only", role, name,
                    OnnxKindName(type.GetONNXType())));
  }
  Ort::ConstTensorTypeAndShapeInfo info = type.GetTensorTypeAndShapeInfo();
  absl::StatusOr<DataType> datatype = DataTypeFromOnnx(info.GetElementType());
  if (!datatype.ok()) {
    return Annotate(datatype.status(), fmt::format("{} '{}'", role, name));
  }
  Shape shape = info.GetShape();
  // ONNX Runtime reports symbolic and unknown dims as -1 already; be sure of it.
  for (int64_t& dim : shape) {
    if (dim < 0) dim = -1;
  }
  return FileTensor{.name = std::move(name), .datatype = *datatype, .shape = std::move(shape)};
}

}  // namespace

absl::StatusOr<FileSignature> ReadSignature(const Ort::Session& session) {
  Ort::AllocatorWithDefaultOptions allocator;
  FileSignature signature;
  for (size_t i = 0; i < session.GetInputCount(); ++i) {
    absl::StatusOr<FileTensor> tensor = ReadTensor(
        session.GetInputNameAllocated(i, allocator).get(), session.GetInputTypeInfo(i), "input");
    if (!tensor.ok()) return tensor.status();
    signature.inputs.push_back(*std::move(tensor));
  }
  for (size_t i = 0; i < session.GetOutputCount(); ++i) {
    absl::StatusOr<FileTensor> tensor = ReadTensor(
        session.GetOutputNameAllocated(i, allocator).get(), session.GetOutputTypeInfo(i), "output");
    if (!tensor.ok()) return tensor.status();
    signature.outputs.push_back(*std::move(tensor));
  }
  return signature;
}

}  // namespace tensord::runtime::onnx
