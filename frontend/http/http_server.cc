// Placeholder until the HTTP frontend lands (being written now).
#include "frontend/http/http_server.h"
namespace tensord::http {
absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(Server&, HttpOptions) {
  return absl::UnimplementedError("http");
}
}  // namespace tensord::http
