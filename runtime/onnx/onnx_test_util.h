// Helpers for the ONNX runtime's tests: where the generated models are, and tensors made
// from plain vectors.
//
//   Tensor x = MakeTensor<float>("x", DataType::kFp32, {2, 4}, {...});
//   std::vector<float> y = Values<float>(outputs[0]);
#pragma once

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace tensord::runtime::onnx::testing {

// Models written by testdata/make_test_models.py at build time.
inline std::filesystem::path TestModel(const std::string& file) {
  return std::filesystem::path(TENSORD_ONNX_TEST_MODELS) / file;
}

template <typename T>
Tensor MakeTensor(std::string name, DataType datatype, Shape shape, const std::vector<T>& values) {
  std::vector<std::byte> bytes(values.size() * sizeof(T));
  if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return Tensor{.name = std::move(name),
                .datatype = datatype,
                .shape = std::move(shape),
                .data = Buffer::FromVector(std::move(bytes))};
}

inline Tensor BytesTensor(std::string name, Shape shape, const std::vector<std::string>& values) {
  std::vector<std::byte> bytes;
  for (const std::string& v : values) AppendBytesElement(bytes, v);
  return Tensor{.name = std::move(name),
                .datatype = DataType::kBytes,
                .shape = std::move(shape),
                .data = Buffer::FromVector(std::move(bytes))};
}

template <typename T>
std::vector<T> Values(const Tensor& tensor) {
  std::vector<T> out(tensor.data.size() / sizeof(T));
  for (size_t i = 0; i < out.size(); ++i) out[i] = tensor.data.Read<T>(i);
  return out;
}

inline std::vector<std::byte> Bytes(const Tensor& tensor) {
  return {tensor.data.bytes().begin(), tensor.data.bytes().end()};
}

}  // namespace tensord::runtime::onnx::testing
