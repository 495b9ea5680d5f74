// Starts the REST frontend over any InferenceService (HttpServer::Start passes the real
// server; tests pass a fake).
//
//   absl::StatusOr<std::unique_ptr<HttpServer>> http =
//       StartRestServer(std::make_shared<FakeService>(), {.host = "127.0.0.1", .port = 0});
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "frontend/http/http_server.h"
#include "frontend/http/inference_service.h"

namespace tensord::http {

// The service is kept alive by the returned server until it is destroyed.
absl::StatusOr<std::unique_ptr<HttpServer>> StartRestServer(
    std::shared_ptr<InferenceService> service, HttpOptions options);

}  // namespace tensord::http
