// Reading and writing NumPy .npy files (format 1.0-3.0, C order, little-endian), the
// exchange format between `tensord optimize` (Python) and tensord-optimize-helper (C++).
//
//   absl::StatusOr<NpyArray> a = ReadNpy("samples/input.npy");   // a->datatype, a->shape
//   absl::Status s = WriteNpy("out/probabilities.npy", tensor);
//
// Only what numpy.save writes for the fixed-size numeric types tensord serves; Fortran
// order, big-endian and object arrays are refused with a message naming the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "absl/status/statusor.h"
#include "core/datatype.h"
#include "core/tensor.h"

namespace tensord::optimize {

struct NpyArray {
  DataType datatype = DataType::kInvalid;
  std::vector<int64_t> shape;
  std::vector<std::byte> data;  // row-major element bytes
};

// InvalidArgument naming the file for anything that is not a supported .npy array;
// NotFound when it cannot be opened.
absl::StatusOr<NpyArray> ReadNpy(const std::filesystem::path& path);

// Writes `datatype`/`shape`/`bytes` as a .npy file (version 1.0).
absl::Status WriteNpy(const std::filesystem::path& path, DataType datatype,
                      const std::vector<int64_t>& shape, std::span<const std::byte> bytes);

}  // namespace tensord::optimize
