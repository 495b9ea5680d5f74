// The REST routes of the Open Inference Protocol, independent of the socket layer: takes a
// parsed HTTP request, answers with status, headers and body. Unit-testable without Beast.
//
//   RestHandler handler(service, inflight);
//   handler.Handle(request, post_to_io_thread, [](RestResponse response) { write it });
//
// Everything but inference and model load/unload answers before Handle returns. Inference
// decodes the body, calls InferenceService::InferAsync and, from the callback (a scheduler
// thread), hands the result to `post` so that the reply is encoded and written on the
// connection's thread. Load and unload go to the service's load executor
// (LoadModelAsync) and post their outcome back likewise: no thread here waits on a load.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/functional/any_invocable.h"
#include "core/inference_service.h"
#include "frontend/access_log.h"
#include "frontend/auth/authenticator.h"
#include "frontend/http/inflight_counter.h"
#include "frontend/http/padded_buffer.h"
#include "frontend/http/rest_router.h"
#include "frontend/request_limits.h"

namespace tensord::http {

struct RestRequest {
  std::string_view method;  // "GET", "POST", ...; "GET" for a HEAD request
  bool head = false;        // a HEAD request, answered as GET (the connection drops the body)
  std::string_view target;  // "/v2/models/m/infer?x=1"
  // The Inference-Header-Content-Length header, when present.
  std::optional<std::string_view> inference_header_length;
  // Seldon Core 2's Seldon-Model header, when present: the model (or "<p>.pipeline") that a
  // model route's metadata, readiness and infer address, whatever the path names.
  std::optional<std::string_view> seldon_model;
  // The Authorization header, when present; and with mutual TLS the subject CN of the
  // client's verified certificate ("" otherwise). Read by the auth check only.
  std::optional<std::string_view> authorization;
  std::string_view peer_common_name;
  std::shared_ptr<const PaddedBuffer> body;  // never null
  // Set once the client has closed its connection before the answer (HTTP/1.1's only way
  // to cancel); becomes the InferRequest's cancelled flag. May be null (no connection).
  std::shared_ptr<const std::atomic<bool>> cancelled;
  std::chrono::steady_clock::time_point arrival = std::chrono::steady_clock::now();
};

struct RestResponse {
  int status = 200;
  std::string body;  // empty: no body (and no Content-Type)
  // Set when binary tensor data follows the JSON: sent as Inference-Header-Content-Length,
  // with Content-Type application/octet-stream instead of application/json.
  std::optional<size_t> inference_header_length;
  std::string_view allow;             // the Allow header of a 405
  std::string_view www_authenticate;  // the WWW-Authenticate header of a 401; a static string
  // Overrides the Content-Type above (the metrics page's text format); a static string.
  std::string_view content_type;
};

// The live console (frontend/http/console/): GET /, /console[/file] and /v2/console/state.
struct ConsoleOptions {
  bool enabled = true;  // off: those routes answer 404 ("the console is off")
  // The server's --model-control-mode, as the page shows it: "explicit" gives it the load,
  // unload and reload buttons.
  std::string model_control_mode = "none";
};

// An error reply: HttpStatusFor(status) (frontend/wire_status.h) and {"error": message}.
RestResponse ErrorResponse(const absl::Status& status);
RestResponse ErrorResponse(int http_status, std::string_view message);

class RestHandler {
 public:
  using Reply = absl::AnyInvocable<void(RestResponse) &&>;
  // Runs a task on the connection's I/O thread: at once when called on that thread (an
  // inference that ran to completion there), queued to it otherwise.
  using Post = std::function<void(absl::AnyInvocable<void() &&>)>;

  // `service` (and `access_log` and `auth`, null for none) must outlive the handler;
  // `inflight` counts callbacks not yet run. With `auth`, every route is checked against
  // frontend/auth/auth_policy.h before it runs: 401 (with WWW-Authenticate: Bearer) or 403.
  // `limits` apply to every decoded inference request (frontend/request_limits.h).
  // The console's page and files are served without the auth check (they are the same
  // static bytes for everyone and hold no data; the page sends the token the user types
  // with its API calls); its JSON needs the statistics role like GET .../stats.
  RestHandler(InferenceService& service, std::shared_ptr<InflightCounter> inflight,
              AccessLog* access_log = nullptr, auth::Authenticator* auth = nullptr,
              RequestLimits limits = {}, ConsoleOptions console = {})
      : service_(service),
        inflight_(std::move(inflight)),
        access_log_(access_log),
        auth_(auth),
        limits_(limits),
        console_(std::move(console)) {}

  // Calls `reply` exactly once (see the file comment). `request` views need to live only
  // until Handle returns.
  void Handle(const RestRequest& request, const Post& post, Reply reply);

 private:
  void Infer(const RestRequest& request, std::string model, std::string version, const Post& post,
             Reply reply);
  RestResponse ConfigResponse(const std::string& model, const std::string& version);
  RestResponse SharedMemoryResponse(const RestRequest& request, const Route& route);
  RestResponse ConsoleResponse(const Route& route);
  void LoadOrUnload(const RestRequest& request, RouteKind kind, std::string model, const Post& post,
                    Reply reply);

  InferenceService& service_;
  std::shared_ptr<InflightCounter> inflight_;
  AccessLog* const access_log_;
  auth::Authenticator* const auth_;
  const RequestLimits limits_;
  const ConsoleOptions console_;
};

// The REST reply to a failed auth check: 401 with WWW-Authenticate: Bearer, or 403.
RestResponse AuthErrorResponse(const absl::Status& status);

}  // namespace tensord::http
