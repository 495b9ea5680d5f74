// What the REST frontend needs from the server. HttpServer::Start adapts a tensord::Server
// to it; tests use a fake, so routing, keep-alive, timeouts and limits are tested without
// models or runtimes.
//
//   class FakeService : public InferenceService { ... };
//   auto http = StartRestServer(std::make_shared<FakeService>(), {.port = 0});
//
// Implementations are thread-safe: every I/O thread calls them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/infer_request.h"
#include "core/model_config.h"

namespace tensord::http {

struct ServerInfo {
  std::string name;
  std::string version;
  std::vector<std::string> extensions;
};

class InferenceService {
 public:
  virtual ~InferenceService() = default;

  virtual bool IsLive() const = 0;
  virtual bool IsReady() const = 0;
  virtual ServerInfo Metadata() const = 0;
  // NotFound for an unknown model or version.
  virtual absl::StatusOr<ModelMetadata> GetModelMetadata(std::string_view name,
                                                         std::string_view version) const = 0;
  // OK when ready; NotFound when unknown; Unavailable with the reason when not ready.
  virtual absl::Status ModelReady(std::string_view name, std::string_view version) const = 0;
  virtual absl::StatusOr<ModelConfig> GetModelConfig(std::string_view name,
                                                     std::string_view version) const = 0;
  // Server::InferAsync's contract: `done` runs exactly once, possibly inline.
  virtual void InferAsync(std::unique_ptr<InferRequest>&& request, InferCallback&& done) = 0;
};

}  // namespace tensord::http
