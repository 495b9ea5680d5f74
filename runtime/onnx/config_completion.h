// Completes a parsed model config from the inputs and outputs an ONNX file declares, and
// rejects a config that contradicts the file. Pure logic: no ONNX Runtime here.
//
//   FileSignature file = ...;   // read from a session (model_signature.h)
//   absl::Status s = CompleteConfig(file, "model.onnx", config);
//
// Rules (Triton's, see core/model_config.h):
//  - max_batch_size > 0: every file input and output must have a dynamic first dimension
//    (the batch); config dims exclude it.
//  - No config inputs (outputs): all of the file's, in file order.
//  - Config tensors must exist in the file with the same datatype and compatible dims:
//    same rank; a dynamic file dim accepts any config dim; a fixed file dim must equal the
//    config dim. A config tensor with no datatype (kInvalid) takes the file's type and dims.
//  - File inputs the config leaves out are appended (a request could not run without
//    them); file outputs the config leaves out stay hidden.
//  - An empty platform becomes kPlatform.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "core/model_config.h"

namespace tensord::runtime::onnx {

struct FileTensor {
  std::string name;
  DataType datatype = DataType::kInvalid;
  Shape shape;  // full shape, -1 for dynamic or symbolic dims
};

struct FileSignature {
  std::vector<FileTensor> inputs;
  std::vector<FileTensor> outputs;
};

// `file_name` names the model file in messages ("model.onnx"). InvalidArgument naming the
// config file (config.source) and the model file when they disagree.
absl::Status CompleteConfig(const FileSignature& file, std::string_view file_name,
                            ModelConfig& config);

}  // namespace tensord::runtime::onnx
