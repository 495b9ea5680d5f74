// gRPC backends: inference.GRPCInferenceService through grpc++'s generated synchronous
// stub. "grpc" sends unary ModelInfer calls; "grpc-stream" keeps one ModelStreamInfer
// stream per worker and sends one request at a time on it. Inputs travel in
// raw_input_contents. Each worker has its own channel (its own HTTP/2 connection).
//
//   absl::StatusOr<BackendPtr> b = MakeGrpcBackend({.target = "localhost:8001",
//                                                   .model = "add_sub"});
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "tools/bench/backend.h"

namespace tensord::bench {

struct GrpcOptions {
  std::string target = "localhost:8001";  // HOST:PORT
  std::string model;
  std::string version;
  bool streaming = false;
};

absl::StatusOr<BackendPtr> MakeGrpcBackend(const GrpcOptions& options);

}  // namespace tensord::bench
