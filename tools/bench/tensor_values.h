// Element conversions between tensord-bench's raw tensor bytes (model_types.h) and JSON
// values, for the REST JSON body and the --input-data file.
//
//   absl::StatusOr<size_t> size = ElementByteSize("FP32");     // 4; 0 for BYTES
//   nlohmann::json values = RawToJson(tensor);                 // flat array of elements
//   absl::StatusOr<std::string> raw = JsonToRaw("FP32", values, "input 'x'");
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "tools/bench/model_types.h"

namespace tensord::bench {

// Bytes per element; 0 for BYTES; InvalidArgument for an unknown datatype.
absl::StatusOr<size_t> ElementByteSize(std::string_view datatype);

// The elements of `tensor` as a flat JSON array (FP16/BF16 widened to numbers, BYTES as
// strings). `tensor.raw` must hold whole elements.
nlohmann::json RawToJson(const InputTensor& tensor);

// A flat or nested JSON array of elements → raw bytes of `datatype`; errors name `context`.
absl::StatusOr<std::string> JsonToRaw(std::string_view datatype, const nlohmann::json& values,
                                      std::string_view context, int64_t* element_count);

// IEEE half <-> float, round to nearest even; enough for test data.
uint16_t FloatToHalf(float value);
float HalfToFloat(uint16_t bits);

}  // namespace tensord::bench
