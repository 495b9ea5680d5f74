// Turns a request tensor into the dense float32 rows XGBoost predicts on.
//
//   std::vector<float> scratch;                       // reused across calls by an instance
//   absl::StatusOr<const float*> rows = DenseFloatRows(tensor, scratch);
//
// XGBoost casts every input to float32 before it walks the trees (so does MLServer, through
// NumPy and XGBoost's array interface), so converting FP64 and integer tensors here with a
// static_cast gives the same predictions. NaN stays NaN: XGBoost's missing value.
#pragma once

#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "core/tensor.h"

namespace tensord::runtime::xgboost {

// The datatypes DenseFloatRows takes: FP32, FP64, FP16, BOOL and every integer type.
std::span<const DataType> AcceptedInputDatatypes();

// A pointer to the tensor's elements as float32: its own bytes when they already are
// float32 and aligned, else a converted copy in `scratch`. The caller has checked that the
// data size matches the shape. InvalidArgument naming the input for other datatypes.
absl::StatusOr<const float*> DenseFloatRows(const Tensor& input, std::vector<float>& scratch);

}  // namespace tensord::runtime::xgboost
