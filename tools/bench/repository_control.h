// Reloads a model with W instances through the model repository extension
// (POST /v2/repository/models/{m}/load with parameters.config), the way the saturation
// finder changes the worker count of a server it did not start.
//
//   absl::Status s = LoadModelWithInstances({.host = "127.0.0.1", .port = 8000,
//                                            .model = "mlp"}, 2);
//   // OK: the server swapped in a version with 2 instances (Triton's instance_group count).
//   // Unavailable (503): the server is not in explicit model-control mode.
//   // NotFound (404): the server has no repository API.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace tensord::bench {

struct RepositoryTarget {
  std::string host = "localhost";
  uint16_t port = 8000;  // the HTTP port
  std::string model;
};

// The request body: {"parameters": {"config": "{\"instance_group\":[{\"count\":W}]}"}}.
std::string InstanceCountLoadBody(int instances);

absl::Status LoadModelWithInstances(const RepositoryTarget& target, int instances);

}  // namespace tensord::bench
