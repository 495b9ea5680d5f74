// MLServer's request codecs for tensord's own runtimes: a request that MLServer's client
// codecs built is reshaped into what the model takes, as MLServer's runtimes decode it,
// before the request is validated against the model's config.
//
//   if (absl::Status s = AdaptMlserverCodecs(model_config, *request); !s.ok()) return s;
//   ValidateInferRequest(model_config, *request);
//
// Two cases, for models with exactly one input (others are left alone):
//   - request parameters content_type "pd" (PandasCodec.encode_request(df)): one input per
//     column, each [rows] or [rows, 1]; the columns, in request order, become the model's
//     input [rows, columns] (a rank-1 input takes a single column as [rows]). Columns of one
//     datatype keep it; numeric columns of different datatypes are converted to the input's
//     declared FP32/FP64 when the model accepts each of them (XGBoost's DMatrix turns a
//     DataFrame's columns into float32 the same way). BYTES columns are interleaved as is.
//   - one input whose name the model does not know, with content_type "np" or "str" on it
//     or on the request (NumpyRequestCodec, StringRequestCodec: "input-1"): it feeds the
//     model's input, and [rows, 1] becomes [rows] for a rank-1 input, as MLServer's
//     runtimes take the first input whatever its name and treat [N, 1] as [N].
// Models of the `python` runtime are never adapted: their MLModel decodes the request as
// sent. A request that cannot be assembled is InvalidArgument naming the column.
//
// Thread-safe (no state). The new input owns its data; the columns' buffers are released.
#pragma once

#include "absl/status/status.h"
#include "core/infer_request.h"
#include "core/model_config.h"

namespace tensord {

absl::Status AdaptMlserverCodecs(const ModelConfig& config, InferRequest& request);

}  // namespace tensord
