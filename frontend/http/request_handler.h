// What an HTTP server hands each parsed request to. The REST frontend's is RestHandler's
// routes; the metrics port's answers GET /metrics (metrics/metrics_server.cc). Both run on
// the same connection machinery (timeouts, keep-alive, connection limit).
//
//   RequestHandler handler = [](const RestRequest& request, const RestHandler::Post& post,
//                               RestHandler::Reply reply) {
//     std::move(reply)({.status = 200, .body = "hello", .content_type = "text/plain"});
//   };
//   StartHttpServer(std::move(handler), {.port = 0});   // frontend/http/http_server.h
//
// Called on the connection's I/O thread; must call `reply` exactly once, at once or later
// through `post` (RestHandler's contract).
#pragma once

#include <functional>

#include "frontend/http/rest_handler.h"

namespace tensord::http {

using RequestHandler =
    std::function<void(const RestRequest&, const RestHandler::Post&, RestHandler::Reply)>;

}  // namespace tensord::http
