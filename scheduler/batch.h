// Merging requests into one batch along the batch dimension (dim 0), and splitting the
// batch's outputs back per request.
//
//   std::vector<std::string> names = OutputNames(config, *request);
//   std::string key = BatchKey(*request, names);     // equal keys may share a batch
//   absl::StatusOr<std::vector<Tensor>> inputs = MergeInputs(requests);   // one copy
//   ... outputs = instance.Execute(*inputs, names) ...
//   absl::StatusOr<std::vector<std::vector<Tensor>>> parts = SplitOutputs(*outputs, rows);
//
// Split outputs are views into the batch's output buffers (Buffer::View sharing the
// owner), so splitting copies no tensor data.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/infer_request.h"
#include "core/model_config.h"

namespace tensord::scheduler {

// The outputs `request` gets: those it asked for, in its order; when it names none, every
// model output not marked optional (MLServer's XGBoost runtime answers `predict` alone unless
// `predict_proba` is asked for), or every output if all of them are optional. BatchKey
// takes these names, so a request naming none shares batches with one naming exactly them.
std::vector<std::string> OutputNames(const ModelConfig& config, const InferRequest& request);

// Rows of `request` along the batch dimension; 1 when the model has none. Requests
// reaching a scheduler are validated, so every input agrees on it.
int64_t BatchRows(const ModelConfig& config, const InferRequest& request);

// A key equal for exactly those requests that can be merged: the same input names (in any
// order) with the same datatypes and non-batch dimensions, and the same output names.
std::string BatchKey(const InferRequest& request, std::span<const std::string> output_names);

// Concatenates the inputs of `requests` (equal batch keys) along dim 0, in the input order
// of the first request. Copies every input once.
absl::StatusOr<std::vector<Tensor>> MergeInputs(std::span<const InferRequest* const> requests);

// Splits each batch output into consecutive parts of `rows[i]` rows: result[i] holds the
// outputs of request i, in the order of `outputs`. Internal error, naming the output, when
// an output does not have sum(rows) rows or its data does not match its shape.
absl::StatusOr<std::vector<std::vector<Tensor>>> SplitOutputs(std::span<const Tensor> outputs,
                                                              std::span<const int64_t> rows);

}  // namespace tensord::scheduler
