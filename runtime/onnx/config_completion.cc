#include "runtime/onnx/config_completion.h"

#include <algorithm>
#include <filesystem>

#include "fmt/format.h"
#include "runtime/onnx/onnx_runtime.h"

namespace tensord::runtime::onnx {
namespace {

// What the messages call each side.
struct Sources {
  std::string config;  // "config.pbtxt (models/m/config.pbtxt)" or "the model config"
  std::string file;    // "model.onnx"
  int64_t max_batch_size = 0;
};

std::string ConfigLabel(const std::string& source) {
  if (source.empty()) return "the model config";
  return fmt::format("{} ({})", std::filesystem::path(source).filename().string(), source);
}

// The file's shape as config dims: without the batch dimension when the model batches.
absl::StatusOr<Shape> FileDims(const FileTensor& tensor, std::string_view role,
                               const Sources& sources) {
  if (sources.max_batch_size <= 0) return tensor.shape;
  if (tensor.shape.empty() || tensor.shape[0] != -1) {
    return absl::InvalidArgumentError(fmt::format(
        "max_batch_size is {} in {} but {} '{}' of {} has shape {}, whose first dimension is "
        "not a dynamic batch dimension; set max_batch_size to 0 or export the model with a "
        "dynamic first dimension",
        sources.max_batch_size, sources.config, role, tensor.name, sources.file,
        ShapeToString(tensor.shape)));
  }
  return Shape(tensor.shape.begin() + 1, tensor.shape.end());
}

bool DimsCompatible(const Shape& config_dims, const Shape& file_dims) {
  if (config_dims.size() != file_dims.size()) return false;
  for (size_t i = 0; i < file_dims.size(); ++i) {
    if (file_dims[i] != -1 && file_dims[i] != config_dims[i]) return false;
  }
  return true;
}

std::string NameList(const std::vector<FileTensor>& tensors) {
  std::string names;
  for (const FileTensor& t : tensors) {
    if (!names.empty()) names += ", ";
    names += fmt::format("'{}'", t.name);
  }
  return names.empty() ? "none" : names;
}

// Checks and completes one config tensor against the file tensor of the same name.
absl::Status MergeTensor(const FileTensor& file, const Shape& file_dims, std::string_view role,
                         const Sources& sources, TensorConfig& tensor) {
  if (tensor.datatype == DataType::kInvalid) {
    tensor.datatype = file.datatype;
    tensor.dims = file_dims;
    return absl::OkStatus();
  }
  if (tensor.datatype != file.datatype) {
    return absl::InvalidArgumentError(
        fmt::format("{} says {} '{}' is {} but {} says {}", sources.config, role, tensor.name,
                    DataTypeName(tensor.datatype), sources.file, DataTypeName(file.datatype)));
  }
  if (!DimsCompatible(tensor.dims, file_dims)) {
    return absl::InvalidArgumentError(
        fmt::format("{} says {} '{}' has dims {} but {} says {}{}", sources.config, role,
                    tensor.name, ShapeToString(tensor.dims), sources.file, ShapeToString(file_dims),
                    sources.max_batch_size > 0 ? " (without the batch dimension)" : ""));
  }
  return absl::OkStatus();
}

// What to do with file tensors a non-empty config list leaves out.
enum class Unlisted { kAdd, kHide };

absl::Status MergeList(const std::vector<FileTensor>& file_tensors, std::string_view role,
                       Unlisted unlisted, const Sources& sources,
                       std::vector<TensorConfig>& tensors) {
  const bool fill_all = tensors.empty();
  for (TensorConfig& tensor : tensors) {
    auto file = std::find_if(file_tensors.begin(), file_tensors.end(),
                             [&](const FileTensor& f) { return f.name == tensor.name; });
    if (file == file_tensors.end()) {
      return absl::InvalidArgumentError(
          fmt::format("{} lists {} '{}' but {} has no such {}; its {}s are: {}", sources.config,
                      role, tensor.name, sources.file, role, role, NameList(file_tensors)));
    }
    absl::StatusOr<Shape> dims = FileDims(*file, role, sources);
    if (!dims.ok()) return dims.status();
    absl::Status merged = MergeTensor(*file, *dims, role, sources, tensor);
    if (!merged.ok()) return merged;
  }
  for (const FileTensor& file : file_tensors) {
    // Check the batch dimension of every file tensor, listed in the config or not.
    absl::StatusOr<Shape> dims = FileDims(file, role, sources);
    if (!dims.ok()) return dims.status();
    if (!fill_all && unlisted == Unlisted::kHide) continue;
    bool listed = std::any_of(tensors.begin(), tensors.end(),
                              [&](const TensorConfig& t) { return t.name == file.name; });
    if (!listed) tensors.push_back({.name = file.name, .datatype = file.datatype, .dims = *dims});
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CompleteConfig(const FileSignature& file, std::string_view file_name,
                            ModelConfig& config) {
  const Sources sources{.config = ConfigLabel(config.source),
                        .file = std::string(file_name),
                        .max_batch_size = config.max_batch_size};
  absl::Status status = MergeList(file.inputs, "input", Unlisted::kAdd, sources, config.inputs);
  if (!status.ok()) return status;
  status = MergeList(file.outputs, "output", Unlisted::kHide, sources, config.outputs);
  if (!status.ok()) return status;
  if (config.platform.empty()) config.platform = kPlatform;
  return absl::OkStatus();
}

}  // namespace tensord::runtime::onnx
