// A bound on how deeply control-plane text (load-request config overrides,
// model-settings.json, config.pbtxt) may nest, checked before any recursive parser,
// printer or destructor sees it.
//
//   if (absl::Status s = CheckNestingDepth(text, Syntax::kJson, "config override"); !s.ok())
//     return s;
//   nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);   // now safe to dump()
//
// Why (issue 10): nlohmann's dump() recurses once per level, so a config override nested
// 100,000 deep overflowed the stack and killed the server; protobuf 3.21's text-format
// parser has no working depth limit either (a config.pbtxt of 100,000 nested unknown fields,
// which tensord must skip, crashes it). The scan is iterative and linear: it counts opening
// brackets outside strings (escapes included) and, in text format, outside '#' comments. It
// does not otherwise validate: malformed text is left for the parser to report.
// Thread-safe.
#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace tensord {

// Deeper than any real model configuration (Triton's nests about 6 levels) and far below
// where recursion becomes a problem.
inline constexpr int kMaxNestingDepth = 64;

enum class Syntax {
  kJson,       // "strings"; [ and { nest
  kProtoText,  // "strings" and 'strings'; # comments; {, < and [ nest
};

// InvalidArgument "<source>: JSON nested deeper than <max_depth> levels" (text format:
// "<source>: nested deeper than <max_depth> levels") when brackets nest deeper.
absl::Status CheckNestingDepth(std::string_view text, Syntax syntax, std::string_view source,
                               int max_depth = kMaxNestingDepth);

}  // namespace tensord
