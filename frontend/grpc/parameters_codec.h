// InferParameter maps (request, tensor and response parameters) ⇄ tensord::Parameters.
//
//   absl::StatusOr<Parameters> p = ParametersFromProto(message.parameters(), "request");
//   ParametersToProto(response.parameters, proto.mutable_parameters());
//
// bool, int64, double and string map one to one; a uint64 value must fit in int64 (tensord
// keeps integers signed). A parameter with no value set is an InvalidArgument naming it.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/tensor.h"
#include "grpc_service.pb.h"

namespace tensord::grpc {

using ProtoParameters = google::protobuf::Map<std::string, inference::InferParameter>;

// `context` names where the parameters came from in error messages ("request",
// "input 'x'").
absl::StatusOr<Parameters> ParametersFromProto(const ProtoParameters& proto,
                                               std::string_view context);
void ParametersToProto(const Parameters& parameters, ProtoParameters* proto);

}  // namespace tensord::grpc
