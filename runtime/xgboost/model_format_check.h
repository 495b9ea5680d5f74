// Guards XGBoost 1.7's model parsers against files that would crash the process instead of
// failing: its UBJSON reader does not check lengths against the file size (a truncated
// model.ubj reads past the end), and both its JSON and UBJSON readers recurse once per
// nesting level (a deeply nested file overflows the stack); its binary reader allocates
// whatever sizes the file states (binary_model_check.h).
//
//   absl::Status s = CheckModelFormat(bytes, ".ubj", "models/m/model.ubj");
//   // InvalidArgument "cannot load XGBoost model 'models/m/model.ubj': ... at byte 1234"
//
// Then JSON and UBJSON files are parsed and their trees checked (model_integrity.h) before
// XGBoost reads them. The checks follow the formats as XGBoosterLoadModel picks them: .json is
// JSON, .ubj is UBJSON, any other extension is sniffed ('{"' JSON, '{' and a letter UBJSON, else
// binary).
#pragma once

#include <filesystem>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace tensord::runtime::xgboost {

// Deeper nesting than any XGBoost model has (about 8 levels), far from stack limits.
inline constexpr int kMaxModelNesting = 128;

enum class ModelFormat { kJson, kUbjson, kBinary };

// The format XGBoosterLoadModel will read `bytes` as.
ModelFormat SniffModelFormat(std::string_view bytes, std::string_view extension);

absl::Status CheckModelFormat(std::string_view bytes, std::string_view extension,
                              std::string_view path);

// Reads `path` and checks it; NotFound when it cannot be read. Returns the format, so that
// the caller checks a binary model after loading it (CheckModelIntegrity).
absl::StatusOr<ModelFormat> CheckModelFile(const std::filesystem::path& path);

}  // namespace tensord::runtime::xgboost
