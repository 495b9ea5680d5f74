// REST backends: the Open Inference Protocol over HTTP/1.1 with keep-alive, JSON bodies
// (rest-json) or Triton's binary tensor extension (rest-binary: a JSON header whose length
// is in Inference-Header-Content-Length, then the raw tensor bytes). One TCP connection
// per worker, Boost.Beast synchronous I/O.
//
//   absl::StatusOr<BackendPtr> b = MakeRestBackend({.host = "localhost", .port = 8000,
//                                                   .model = "add_sub", .binary = true});
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "tools/bench/backend.h"

namespace tensord::bench {

struct RestOptions {
  std::string host = "localhost";
  uint16_t port = 8000;
  std::string model;
  std::string version;  // empty: the server's choice
  bool binary = false;  // binary tensor extension for inputs and outputs
};

absl::StatusOr<BackendPtr> MakeRestBackend(const RestOptions& options);

// "HOST:PORT", "http://HOST:PORT[/]" → host and port (`default_port` when none is given).
absl::Status ParseHostPort(std::string_view url, uint16_t default_port, std::string& host,
                           uint16_t& port);

// Percent-encodes a path segment (model names may hold any character).
std::string EncodePathSegment(std::string_view segment);

}  // namespace tensord::bench
