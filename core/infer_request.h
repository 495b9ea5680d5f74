// An inference call as the core sees it, whichever frontend it came from.
//
//   auto request = std::make_unique<InferRequest>();
//   request->model_name = "mlp";
//   request->inputs.push_back(std::move(tensor));
//   server.InferAsync(std::move(request), [](InferResult result) { ... });
//
// The callback runs exactly once, on a scheduler or runtime thread (or inline for errors
// found before queueing): keep it short and never block in it.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "core/tensor.h"
#include "core/trace.h"

namespace tensord {

struct RequestedOutput {
  std::string name;
  Parameters parameters;  // e.g. binary_data; frontends read these, the core ignores them
};

struct InferRequest {
  std::string model_name;
  std::string model_version;  // empty: the highest ready version
  std::string id;             // echoed in the response
  Parameters parameters;
  std::vector<Tensor> inputs;
  std::vector<RequestedOutput> outputs;  // empty: every output of the model
  // When the request entered the server; set by the frontend (or by Server if unset).
  std::chrono::steady_clock::time_point arrival{};
  // Optional: when true before execution starts, the request is dropped (client gone).
  std::shared_ptr<const std::atomic<bool>> cancelled;
  // Set when the trace extension sampled this request (core/trace.h); the scheduler
  // stamps its queue and compute times on it.
  std::shared_ptr<RequestTrace> trace;
  // The caller blocks until the answer (an in-process synchronous call, a composite model's
  // step whose executor would only wait): its thread is free to execute the request, so the
  // scheduler runs it to completion there whenever an instance is free and the batcher would
  // not wait, however long the model takes.
  bool caller_waits = false;
};

struct InferResponse {
  std::string model_name;
  std::string model_version;
  std::string id;
  Parameters parameters;
  std::vector<Tensor> outputs;  // in the order requested (model order when none requested)
};

using InferResult = absl::StatusOr<std::unique_ptr<InferResponse>>;
using InferCallback = absl::AnyInvocable<void(InferResult) &&>;

}  // namespace tensord
