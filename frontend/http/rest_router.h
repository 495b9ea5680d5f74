// Maps a request target ("/v2/models/mlp/versions/2/infer?x=1") to one of the Open
// Inference Protocol's REST routes. Path segments are percent-decoded after splitting, so
// a model name may hold any character ("%2F" is a slash inside the name).
//
//   absl::StatusOr<Route> route = MatchRoute("/v2/models/resnet-50.v2/ready");
//   // route->kind == RouteKind::kModelReady, route->model == "resnet-50.v2"
//   if (method != AllowedMethod(route->kind)) -> 405 with "Allow: <AllowedMethod>"
//
// Errors: NotFound ("no route for '<path>': ...", naming the path) for an unknown path,
// InvalidArgument for a malformed percent-encoding.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace tensord::http {

enum class RouteKind {
  kServerMetadata,   // GET  /v2
  kHealthLive,       // GET  /v2/health/live
  kHealthReady,      // GET  /v2/health/ready
  kModelMetadata,    // GET  /v2/models/{m}[/versions/{v}]
  kModelReady,       // GET  /v2/models/{m}[/versions/{v}]/ready
  kModelInfer,       // POST /v2/models/{m}[/versions/{v}]/infer
  kModelStats,       // GET  /v2/models[/{m}[/versions/{v}]]/stats   (statistics extension)
  kModelConfig,      // GET  /v2/models/{m}[/versions/{v}]/config    (configuration extension)
  kRepositoryIndex,  // POST /v2/repository/index                   (repository extension)
  kModelLoad,        // POST /v2/repository/models/{m}/load
  kModelUnload,      // POST /v2/repository/models/{m}/unload
  // System shared memory extension (region: the decoded {r}, empty for "all regions").
  kSharedMemoryStatus,      // GET  /v2/systemsharedmemory[/region/{r}]/status
  kSharedMemoryRegister,    // POST /v2/systemsharedmemory/region/{r}/register
  kSharedMemoryUnregister,  // POST /v2/systemsharedmemory[/region/{r}]/unregister
  // CUDA shared memory extension: recognised so that it is refused with a reason.
  kCudaSharedMemoryStatus,  // GET  /v2/cudasharedmemory[/region/{r}]/status
  kCudaSharedMemoryChange,  // POST /v2/cudasharedmemory[/region/{r}]/register|unregister
  kLogging,                 // GET (read) and POST (change) /v2/logging   (logging extension)
  kTraceSetting,            // GET and POST /v2[/models/{m}]/trace/setting  (trace extension)
  // The live console (frontend/http/console/): its page, its static files, its JSON.
  kConsolePage,   // GET  /, /console, /console/
  kConsoleAsset,  // GET  /console/{asset}   (asset: the file name, e.g. "console.js")
  kConsoleState,  // GET  /v2/console/state
};

struct Route {
  RouteKind kind = RouteKind::kServerMetadata;
  std::string model;    // decoded; empty for server routes (and for all models' stats)
  std::string version;  // decoded; empty when the path names none
  std::string region;   // decoded; shared-memory routes only
  std::string asset;    // decoded; kConsoleAsset only
};

absl::StatusOr<Route> MatchRoute(std::string_view target);

// The methods each route answers: "GET", "POST", or "GET, POST" (logging), as the Allow
// header of a 405 lists them.
std::string_view AllowedMethod(RouteKind kind);
// Whether `method` is one of AllowedMethod(kind).
bool MethodAllowed(RouteKind kind, std::string_view method);

// Decodes %XX escapes; InvalidArgument for a truncated or non-hex escape. '+' stays '+'
// (it means a space only in query strings).
absl::StatusOr<std::string> PercentDecode(std::string_view segment);

}  // namespace tensord::http
