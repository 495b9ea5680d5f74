// Starts the REST frontend over any InferenceService (HttpServer::Start passes the real
// server; tests pass a fake), or an HTTP server with the same connection machinery over
// any request handler (the metrics port).
//
//   absl::StatusOr<std::unique_ptr<HttpServer>> http =
//       StartRestServer(std::make_shared<FakeService>(), {.host = "127.0.0.1", .port = 0});
//   absl::StatusOr<std::unique_ptr<HttpServer>> metrics =
//       StartHttpServer(metrics_handler, {.port = 8002, .name = "metrics"});
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "frontend/http/http_server.h"
#include "frontend/http/inference_service.h"
#include "frontend/http/request_handler.h"

namespace tensord::http {

// The service is kept alive by the returned server until it is destroyed.
absl::StatusOr<std::unique_ptr<HttpServer>> StartRestServer(
    std::shared_ptr<InferenceService> service, HttpOptions options);

// The handler is kept by the returned server until it is destroyed. It must answer at once
// or through `post`; Stop waits only for connections, not for replies posted from
// elsewhere (the REST handler counts those itself).
absl::StatusOr<std::unique_ptr<HttpServer>> StartHttpServer(RequestHandler handler,
                                                            HttpOptions options);

}  // namespace tensord::http
