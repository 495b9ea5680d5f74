// Per-request limits both frontends apply to a decoded inference request before it goes to
// the service: how many tensors it names and how many elements one tensor may have. The
// body / message size limits bound the bytes; these bound what a small body can claim
// (a million empty inputs, a shape of 10^12 elements).
//
//   if (absl::Status s = CheckRequestLimits(*request, limits); !s.ok()) reply 400 /
//   INVALID_ARGUMENT
//
// Messages name the tensor, the limit and its flag:
//   "request has 5000 inputs, more than the limit of 4096 (--max-tensors-per-request)"
//   "input 'x' has 1000000000 elements (shape [1000000000]), more than the limit of
//    268435456 (--max-elements-per-tensor)"
#pragma once

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "core/infer_request.h"

namespace tensord {

struct RequestLimits {
  size_t max_tensors = 4096;                // inputs, and requested outputs, each
  int64_t max_elements = int64_t{1} << 28;  // per input tensor
};

absl::Status CheckRequestLimits(const InferRequest& request, const RequestLimits& limits);

}  // namespace tensord
