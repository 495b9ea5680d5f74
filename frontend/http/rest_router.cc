#include "frontend/http/rest_router.h"

#include <span>
#include <string_view>

#include "absl/container/inlined_vector.h"
#include "fmt/format.h"

namespace tensord::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::Status NoRoute(std::string_view path) {
  return absl::NotFoundError(
      fmt::format("no route for '{}': tensord does not support this endpoint (see GET /v2 for the "
                  "extensions it implements)",
                  path));
}

// repository/index, repository/models/{m}/load|unload
absl::StatusOr<Route> MatchRepositoryRoute(std::span<const std::string_view> segments,
                                           std::string_view path) {
  if (segments.size() == 3 && segments[2] == "index") {
    return Route{.kind = RouteKind::kRepositoryIndex};
  }
  if (segments.size() != 5 || segments[2] != "models" || segments[3].empty()) {
    return NoRoute(path);
  }
  Route route;
  if (segments[4] == "load") {
    route.kind = RouteKind::kModelLoad;
  } else if (segments[4] == "unload") {
    route.kind = RouteKind::kModelUnload;
  } else {
    return NoRoute(path);
  }
  absl::StatusOr<std::string> model = PercentDecode(segments[3]);
  if (!model.ok()) return model.status();
  route.model = *std::move(model);
  return route;
}

// {system,cuda}sharedmemory[/region/{r}]/status|register|unregister
absl::StatusOr<Route> MatchSharedMemoryRoute(std::span<const std::string_view> segments,
                                             std::string_view path) {
  const bool cuda = segments[1] == "cudasharedmemory";
  Route route;
  size_t next = 2;
  if (segments.size() == 5 && segments[2] == "region" && !segments[3].empty()) {
    absl::StatusOr<std::string> region = PercentDecode(segments[3]);
    if (!region.ok()) return region.status();
    route.region = *std::move(region);
    next = 4;
  } else if (segments.size() != 3) {
    return NoRoute(path);
  }
  const std::string_view action = segments[next];
  if (action == "status") {
    route.kind = cuda ? RouteKind::kCudaSharedMemoryStatus : RouteKind::kSharedMemoryStatus;
  } else if (action == "unregister") {
    route.kind = cuda ? RouteKind::kCudaSharedMemoryChange : RouteKind::kSharedMemoryUnregister;
  } else if (action == "register" && next == 4) {  // registering needs a region name
    route.kind = cuda ? RouteKind::kCudaSharedMemoryChange : RouteKind::kSharedMemoryRegister;
  } else {
    return NoRoute(path);
  }
  return route;
}

}  // namespace

absl::StatusOr<std::string> PercentDecode(std::string_view segment) {
  std::string decoded;
  decoded.reserve(segment.size());
  for (size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] != '%') {
      decoded += segment[i];
      continue;
    }
    const int high = i + 1 < segment.size() ? HexValue(segment[i + 1]) : -1;
    const int low = i + 2 < segment.size() ? HexValue(segment[i + 2]) : -1;
    if (high < 0 || low < 0) {
      return absl::InvalidArgumentError(
          fmt::format("malformed percent-encoding in path segment '{}'", segment));
    }
    decoded += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return decoded;
}

namespace {

// "", console, console/, console/{asset}: the console's page and its files.
absl::StatusOr<Route> MatchConsoleRoute(std::span<const std::string_view> segments,
                                        std::string_view path) {
  if (segments.size() == 1) return Route{.kind = RouteKind::kConsolePage};  // "/", "/console"
  if (segments.size() != 2) return NoRoute(path);
  if (segments[1].empty()) return Route{.kind = RouteKind::kConsolePage};  // "/console/"
  absl::StatusOr<std::string> asset = PercentDecode(segments[1]);
  if (!asset.ok()) return asset.status();
  return Route{.kind = RouteKind::kConsoleAsset, .asset = *std::move(asset)};
}

}  // namespace

absl::StatusOr<Route> MatchRoute(std::string_view target) {
  const std::string_view path = target.substr(0, target.find_first_of("?#"));
  if (!path.starts_with("/")) return NoRoute(path);
  // In place for the usual few segments: no allocation per request.
  absl::InlinedVector<std::string_view, 8> segments;
  for (size_t at = 1; at <= path.size();) {
    size_t end = path.find('/', at);
    if (end == std::string_view::npos) end = path.size();
    segments.push_back(path.substr(at, end - at));
    at = end + 1;
  }
  const auto is = [&](size_t i, std::string_view text) {
    return i < segments.size() && segments[i] == text;
  };
  if (segments.size() == 1 && segments[0].empty()) return Route{.kind = RouteKind::kConsolePage};
  if (is(0, "console")) return MatchConsoleRoute(segments, path);
  if (!is(0, "v2")) return NoRoute(path);
  if (segments.size() == 1) return Route{.kind = RouteKind::kServerMetadata};
  if (segments.size() == 3 && is(1, "console") && is(2, "state")) {
    return Route{.kind = RouteKind::kConsoleState};
  }
  if (is(1, "health") && segments.size() == 3) {
    if (is(2, "live")) return Route{.kind = RouteKind::kHealthLive};
    if (is(2, "ready")) return Route{.kind = RouteKind::kHealthReady};
    return NoRoute(path);
  }
  if (is(1, "repository")) return MatchRepositoryRoute(segments, path);
  if (segments.size() == 2 && is(1, "logging")) return Route{.kind = RouteKind::kLogging};
  if (segments.size() == 3 && is(1, "trace") && is(2, "setting")) {
    return Route{.kind = RouteKind::kTraceSetting};
  }
  if (is(1, "systemsharedmemory") || is(1, "cudasharedmemory")) {
    return MatchSharedMemoryRoute(segments, path);
  }
  // "models/stats" is every model's statistics, as in Triton (a model named "stats" has its
  // metadata at models/stats/versions/<v>).
  if (segments.size() == 3 && is(1, "models") && is(2, "stats")) {
    return Route{.kind = RouteKind::kModelStats};
  }
  // Seldon Core 2 serves pipeline <p> at /v2/pipelines/<p>/...: the model "<p>.pipeline".
  const bool pipeline = is(1, "pipelines");
  if ((!is(1, "models") && !pipeline) || segments.size() < 3 || segments[2].empty()) {
    return NoRoute(path);
  }

  // models/{m} [versions/{v}] [ready|infer]
  Route route;
  absl::StatusOr<std::string> model = PercentDecode(segments[2]);
  if (!model.ok()) return model.status();
  route.model = *std::move(model);
  if (pipeline) route.model += ".pipeline";
  size_t next = 3;
  if (is(next, "versions")) {
    if (next + 1 >= segments.size() || segments[next + 1].empty()) return NoRoute(path);
    absl::StatusOr<std::string> version = PercentDecode(segments[next + 1]);
    if (!version.ok()) return version.status();
    route.version = *std::move(version);
    next += 2;
  }
  if (next == segments.size()) {
    route.kind = RouteKind::kModelMetadata;
  } else if (next + 1 == segments.size() && is(next, "ready")) {
    route.kind = RouteKind::kModelReady;
  } else if (next + 1 == segments.size() && is(next, "infer")) {
    route.kind = RouteKind::kModelInfer;
  } else if (next + 1 == segments.size() && is(next, "stats")) {
    route.kind = RouteKind::kModelStats;
  } else if (next + 1 == segments.size() && is(next, "config")) {
    route.kind = RouteKind::kModelConfig;
  } else if (next + 2 == segments.size() && is(next, "trace") && is(next + 1, "setting") &&
             route.version.empty()) {
    route.kind = RouteKind::kTraceSetting;  // trace settings are per model, not per version
  } else {
    return NoRoute(path);
  }
  return route;
}

std::string_view AllowedMethod(RouteKind kind) {
  switch (kind) {
    case RouteKind::kModelInfer:
    case RouteKind::kRepositoryIndex:
    case RouteKind::kModelLoad:
    case RouteKind::kModelUnload:
    case RouteKind::kSharedMemoryRegister:
    case RouteKind::kSharedMemoryUnregister:
    case RouteKind::kCudaSharedMemoryChange:
      return "POST";
    case RouteKind::kLogging:
    case RouteKind::kTraceSetting:
      return "GET, POST";
    default:
      return "GET";
  }
}

bool MethodAllowed(RouteKind kind, std::string_view method) {
  const std::string_view allowed = AllowedMethod(kind);
  for (size_t at = 0; at <= allowed.size();) {
    size_t end = allowed.find(", ", at);
    if (end == std::string_view::npos) end = allowed.size();
    if (allowed.substr(at, end - at) == method) return true;
    at = end + 2;
  }
  return false;
}

}  // namespace tensord::http
