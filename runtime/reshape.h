// Triton's `reshape`, for every runtime: clients send and receive tensors in the config's
// `dims`, the model sees them in its own `reshape` shape. Only shapes change; data is
// never copied.
//
//   // config.inputs[0]: dims [3,224,224], reshape [1,3,224,224] (max_batch_size 0)
//   absl::StatusOr<ModelPtr> model = LoadReshaped(*runtime, config, "models/densenet/1/model.onnx");
//   (*model)->config().inputs[0].dims     == [3,224,224]     (what metadata reports)
//   (*model)->config().inputs[0].reshape  == [1,3,224,224]   (completed from the file)
//   // its instances execute [3,224,224] inputs as [1,3,224,224] and report outputs in dims
//
// Variable sizes (-1): the sizes a request gives for the -1s of one side fill the -1s of the
// other, in order; when the counts differ, a single -1 is inferred from the element count.
// A request whose shape cannot be reshaped is InvalidArgument naming the tensor.
#pragma once

#include <filesystem>
#include <span>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/model_config.h"
#include "core/shape.h"
#include "runtime/runtime.h"

namespace tensord::runtime {

// Loads through `runtime`, giving it the model-side shapes. Without any reshape in `config`
// it is runtime.Load itself.
absl::StatusOr<ModelPtr> LoadReshaped(Runtime& runtime, const ModelConfig& config,
                                      const std::filesystem::path& model_path);

// The shape `actual` takes when its pattern `from` becomes `to`; the first `batch_dims`
// dimensions (0 or 1) are kept as they are. `what` names the tensor in errors
// ("input 'x'").
absl::StatusOr<Shape> ReshapeTo(std::span<const int64_t> actual, const Shape& from,
                                const Shape& to, size_t batch_dims, std::string_view what);

}  // namespace tensord::runtime
