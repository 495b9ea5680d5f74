// Turns tensord tensors into ONNX Runtime values and back, copying only when it must.
//
//   InputValues inputs(cpu_memory_info, request_inputs.size());
//   for (const Tensor& t : request_inputs) RETURN_IF_ERROR(inputs.Add(t));
//   session.Run(run_options, inputs.names().data(), inputs.values().data(), ...);
//   absl::StatusOr<Tensor> y = OutputTensor("y", std::move(outputs[0]), inputs);
//
// Inputs: fixed-size elements are viewed in place when the pointer is aligned for the
// element type (copied into an aligned buffer otherwise); BOOL bytes other than 0/1 are
// copied and normalised (C++ bool must be 0 or 1); BYTES become an ONNX string tensor.
// Outputs: the tensor views ONNX Runtime's memory and owns the Ort::Value; strings are
// serialised to tensord's length-prefixed BYTES layout.
// Every function here may throw Ort::Exception: call them inside GuardOrt.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "core/tensor.h"
#include "onnxruntime_cxx_api.h"

namespace tensord::runtime::onnx {

class InputValues {
 public:
  // Up to kInline inputs live inside the object (no allocation per run); `expected` more are
  // reserved up front, so the lists never grow during a run.
  InputValues(const Ort::MemoryInfo& cpu, size_t expected) : cpu_(cpu) {
    names_.reserve(expected);
    values_.reserve(expected);
    borrowed_.reserve(expected);
  }

  // `tensor` has been validated (datatype, shape, data size) and its bytes must stay
  // alive until the run ends.
  absl::Status Add(const Tensor& tensor);

  static constexpr size_t kInline = 4;
  const absl::InlinedVector<const char*, kInline>& names() const { return names_; }
  const absl::InlinedVector<Ort::Value, kInline>& values() const { return values_; }
  // True when [data, data + size) overlaps caller memory passed to ONNX Runtime without a
  // copy: an output that aliases an input (a graph output that is a graph input) must be
  // copied, because the request's buffers die before the response does.
  bool Borrows(const void* data, size_t size) const;

 private:
  const Ort::MemoryInfo& cpu_;
  absl::InlinedVector<const char*, kInline> names_;
  absl::InlinedVector<Ort::Value, kInline> values_;
  std::vector<std::vector<std::byte>> copies_;  // aligned copies, alive for the run
  absl::InlinedVector<std::span<const std::byte>, kInline> borrowed_;  // caller bytes in place
};

// The tensor for output `name`. Unimplemented for a non-tensor output.
absl::StatusOr<Tensor> OutputTensor(std::string name, Ort::Value&& value,
                                    const InputValues& inputs);

}  // namespace tensord::runtime::onnx
