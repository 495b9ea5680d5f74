// Triton's label files: an output's label_filename names a file in the model's folder with
// one label per line, the label of class index i on line i (the classification extension
// appends it to each class it returns).
//
//   if (absl::Status s = LoadLabels(folder, config); !s.ok()) ...   // fills outputs' labels
//
// The name was checked to stay inside the folder when the config was parsed
// (path_containment.h). A file larger than kMaxLabelFileBytes is refused (it is read whole).
#pragma once

#include <cstddef>
#include <filesystem>

#include "absl/status/status.h"
#include "core/model_config.h"

namespace tensord {

inline constexpr size_t kMaxLabelFileBytes = size_t{16} << 20;

// Reads the label file of every output that names one. InvalidArgument naming the output
// and the file when it is missing, unreadable or too large.
absl::Status LoadLabels(const std::filesystem::path& folder, ModelConfig& config);

}  // namespace tensord
