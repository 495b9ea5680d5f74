#include "frontend/grpc/parameters_codec.h"

#include <cstdint>
#include <limits>
#include <type_traits>

#include "fmt/format.h"

namespace tensord::grpc {

absl::StatusOr<Parameters> ParametersFromProto(const ProtoParameters& proto,
                                               std::string_view context) {
  Parameters parameters;
  for (const auto& [key, value] : proto) {
    switch (value.parameter_choice_case()) {
      case inference::InferParameter::kBoolParam:
        parameters.emplace(key, value.bool_param());
        break;
      case inference::InferParameter::kInt64Param:
        parameters.emplace(key, static_cast<int64_t>(value.int64_param()));
        break;
      case inference::InferParameter::kStringParam:
        parameters.emplace(key, value.string_param());
        break;
      case inference::InferParameter::kDoubleParam:
        parameters.emplace(key, value.double_param());
        break;
      case inference::InferParameter::kUint64Param:
        if (value.uint64_param() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          return absl::InvalidArgumentError(
              fmt::format("{} parameter '{}': uint64 value {} is too large (at most {})", context,
                          key, value.uint64_param(), std::numeric_limits<int64_t>::max()));
        }
        parameters.emplace(key, static_cast<int64_t>(value.uint64_param()));
        break;
      default:
        return absl::InvalidArgumentError(
            fmt::format("{} parameter '{}' has no value", context, key));
    }
  }
  return parameters;
}

void ParametersToProto(const Parameters& parameters, ProtoParameters* proto) {
  for (const auto& [key, value] : parameters) {
    inference::InferParameter& out = (*proto)[key];
    std::visit(
        [&out](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, bool>) {
            out.set_bool_param(v);
          } else if constexpr (std::is_same_v<T, int64_t>) {
            out.set_int64_param(v);
          } else if constexpr (std::is_same_v<T, double>) {
            out.set_double_param(v);
          } else {
            out.set_string_param(v);
          }
        },
        value);
  }
}

}  // namespace tensord::grpc
