// Paths a model's configuration names (its model file, parameters that name files) stay
// inside the model's folder, and files on the server are never named by a load request.
//
//   // A config file on disk: the path must be relative and free of "..".
//   if (absl::Status s = CheckInsideModelFolder("parameters.uri", uri); !s.ok()) return s;
//   if (absl::Status s = CheckPathParameters(config); !s.ok()) return s;   // every one
//   // A load request's override: a path parameter is refused outright.
//   if (IsPathParameter(key)) return ...;
//
// The list below is the one place that says which runtime parameters name host paths: the
// repository's check of config files and the override's refusal both read it, so a runtime
// that adds such a parameter adds it here (runtime/onnx/session_parameters.h says so).
//
// The check is lexical, on the path as written: it must be relative, have no ".." segment
// (not even one that normalizes away: "link/../x" leaves the folder when "link" is a
// symlink) and no NUL byte. It does not resolve symlinks, so a symlink an operator placed
// inside the repository is still followed, as Triton does: the rule is about what a config
// may name, not about what the repository's owner linked. Thread-safe.
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "core/model_config.h"

namespace tensord {

// Runtime parameters (Triton's `parameters`, MLServer's `parameters.extra`) whose value is a
// path on the server: ONNX Runtime writes the optimized model to optimized_model_path.
inline constexpr std::string_view kPathParameters[] = {"optimized_model_path"};

bool IsPathParameter(std::string_view key);

// InvalidArgument "<field> '<path>' <why>; a path in a model's config must stay inside the
// model's folder (relative, without '..')" for an absolute path, a ".." segment or a NUL.
absl::Status CheckInsideModelFolder(std::string_view field, std::string_view path);

// CheckInsideModelFolder for every path parameter of `config` (read from a file on disk),
// prefixed with config.source and naming the parameter.
absl::Status CheckPathParameters(const ModelConfig& config);

}  // namespace tensord
