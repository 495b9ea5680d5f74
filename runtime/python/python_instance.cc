#include "runtime/python/python_instance.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "core/status_util.h"
#include "fmt/format.h"
#include "runtime/python/control_message.h"
#include "spdlog/spdlog.h"

namespace tensord::runtime::python {
namespace {

constexpr uint64_t kAlignment = 64;

uint64_t AlignUp(uint64_t n) { return (n + kAlignment - 1) & ~(kAlignment - 1); }

// Triton's request `timeout` parameter, in microseconds; 0 when absent.
std::chrono::milliseconds RequestTimeout(const Parameters& parameters) {
  auto it = parameters.find("timeout");
  if (it == parameters.end()) return std::chrono::milliseconds(0);
  const int64_t* micros = std::get_if<int64_t>(&it->second);
  if (micros == nullptr || *micros <= 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(std::max<int64_t>(1, *micros / 1000));
}

// An MLServerError's HTTP status as the status code the frontends answer with that status
// (frontend/wire_status.cc; gRPC gets the matching code). 422 has no code of its own: 400.
absl::Status MlserverErrorStatus(int http_status, const std::string& message) {
  switch (http_status) {
    case 401:
      return absl::UnauthenticatedError(message);
    case 403:
      return absl::PermissionDeniedError(message);
    case 404:
      return absl::NotFoundError(message);
    case 409:
      return absl::AlreadyExistsError(message);
    case 429:
      return absl::ResourceExhaustedError(message);
    case 501:
      return absl::UnimplementedError(message);
    case 503:
      return absl::UnavailableError(message);
    case 504:
      return absl::DeadlineExceededError(message);
    default:
      return http_status < 500 ? absl::InvalidArgumentError(message) : absl::InternalError(message);
  }
}

}  // namespace

PythonInstance::PythonInstance(std::shared_ptr<const WorkerLaunch> launch, ShmArena&& arena,
                               std::unique_ptr<WorkerProcess> worker, bool loaded)
    : launch_(std::move(launch)),
      arena_(std::move(arena)),
      worker_(std::move(worker)),
      loaded_(loaded && worker_ != nullptr) {}

PythonInstance::~PythonInstance() = default;

void PythonInstance::SetRequestContext(const RequestContext& context) {
  request_id_ = std::string(context.id);
  request_parameters_ = context.parameters != nullptr ? *context.parameters : Parameters{};
}

void PythonInstance::Restart() {
  worker_.reset();
  loaded_ = false;
  if (WorkersShuttingDown()) return;
  absl::StatusOr<std::unique_ptr<WorkerProcess>> worker = StartWorker(*launch_, arena_.fd());
  if (worker.ok()) {
    worker_ = *std::move(worker);
  } else {
    spdlog::error("model '{}': cannot restart a python worker: {}", launch_->model_name,
                  Message(worker.status()));
  }
}

absl::Status PythonInstance::EnsureLoaded() {
  if (loaded_) return absl::OkStatus();
  if (worker_ == nullptr) Restart();
  if (worker_ == nullptr) {
    return absl::UnavailableError(
        fmt::format("model '{}': its python worker could not be started", launch_->model_name));
  }
  if (absl::Status s = AwaitLoaded(*launch_, *worker_); !s.ok()) {
    worker_.reset();
    return absl::UnavailableError(
        fmt::format("the python worker could not be restarted: {}", Message(s)));
  }
  spdlog::info("model '{}': python worker (pid {}) ready", launch_->model_name, worker_->pid());
  loaded_ = true;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Tensor>> PythonInstance::Execute(
    std::span<const Tensor> inputs, std::span<const std::string> output_names) {
  // A worker that died between requests (OOM killer, kill -9) is replaced before this one
  // is sent to it, so the request does not pay for a death it did not cause.
  if (loaded_ && worker_ != nullptr && worker_->ClosedWhileIdle()) {
    const pid_t dead = worker_->pid();
    spdlog::error("model '{}': python worker (pid {}) {} while idle; restarting it",
                  launch_->model_name, dead, worker_->ReapDescription());
    Restart();
  }
  if (absl::Status s = EnsureLoaded(); !s.ok()) return s;
  const std::string& model = launch_->model_name;

  PredictCall call{.id = request_id_, .parameters = request_parameters_};
  uint64_t total = 0;
  for (const Tensor& input : inputs) total = AlignUp(total) + input.data.size();
  if (absl::Status s = arena_.Reserve(std::max<uint64_t>(total, 1)); !s.ok()) return s;
  uint64_t offset = 0;
  for (const Tensor& input : inputs) {
    offset = AlignUp(offset);
    if (!input.data.empty())
      std::memcpy(arena_.data() + offset, input.data.data(), input.data.size());
    call.inputs.push_back({.name = input.name,
                           .datatype = input.datatype,
                           .shape = input.shape,
                           .offset = offset,
                           .size = input.data.size(),
                           .parameters = input.parameters});
    offset += input.data.size();
  }
  call.outputs.assign(output_names.begin(), output_names.end());
  call.arena_size = arena_.size();

  std::chrono::milliseconds timeout = launch_->predict_timeout;
  const std::chrono::milliseconds asked = RequestTimeout(request_parameters_);
  const bool request_decides = asked.count() > 0 && asked < timeout;
  if (request_decides) timeout = asked;

  const pid_t pid = worker_->pid();
  const absl::Status sent = worker_->Send(EncodePredictCall(call));
  absl::StatusOr<std::string> answer =
      sent.ok() ? worker_->Receive(timeout) : absl::StatusOr<std::string>(sent);
  if (absl::IsCancelled(answer.status())) {
    worker_->Kill();
    worker_.reset();
    loaded_ = false;
    return absl::UnavailableError(fmt::format(
        "model '{}': the server is shutting down; its python worker (pid {}) was stopped", model,
        pid));
  }
  if (absl::IsDeadlineExceeded(answer.status())) {
    worker_->Kill();
    Restart();
    return absl::DeadlineExceededError(fmt::format(
        "model '{}': predict() did not return within {} ({}); its python worker (pid {}) was "
        "killed and is being restarted",
        model, DurationText(timeout),
        request_decides ? "the request's timeout" : "--python-predict-timeout", pid));
  }
  if (absl::IsUnavailable(answer.status())) {
    const std::string how = worker_->ReapDescription();
    spdlog::error("model '{}': python worker (pid {}) {} during predict(); restarting it", model,
                  pid, how);
    Restart();
    return absl::InternalError(fmt::format(
        "model '{}': its python worker (pid {}) {} during predict(); it is being restarted", model,
        pid, how));
  }
  absl::StatusOr<WorkerReply> reply = answer.ok() ? DecodeWorkerReply(*answer, kMaxArenaBytes)
                                                  : absl::StatusOr<WorkerReply>(answer.status());
  if (!reply.ok()) {
    worker_->Kill();
    Restart();
    return absl::InternalError(fmt::format("model '{}': {}", model, Message(reply.status())));
  }
  if (!reply->ok) {
    spdlog::error("model '{}': predict() raised {}\n{}", model, reply->error, reply->traceback);
    // MLServer answers its own errors (InferenceError: 400, ...) with their status and bare
    // message; anything else is 500 with the exception's type and message.
    if (reply->status_code != 0) return MlserverErrorStatus(reply->status_code, reply->error);
    return absl::InternalError(reply->error);
  }
  if (reply->arena_size > 0) {
    if (absl::Status s = arena_.Follow(reply->arena_size); !s.ok()) {
      worker_->Kill();
      Restart();
      return absl::InternalError(fmt::format("model '{}': {}", model, Message(s)));
    }
  }
  return CollectOutputs(*reply, output_names);
}

absl::StatusOr<std::vector<Tensor>> PythonInstance::CollectOutputs(
    const WorkerReply& reply, std::span<const std::string> output_names) {
  const std::string& model = launch_->model_name;
  auto to_tensor = [&](const ArenaTensor& out) -> absl::StatusOr<Tensor> {
    if (out.offset + out.size > arena_.size()) {
      return absl::InternalError(
          fmt::format("model '{}': output '{}' lies outside the arena", model, out.name));
    }
    Tensor tensor{.name = out.name,
                  .datatype = out.datatype,
                  .shape = out.shape,
                  .data = Buffer::Copy({arena_.data() + out.offset, out.size}),
                  .parameters = out.parameters};
    if (absl::Status s = CheckTensorData(tensor, "output"); !s.ok()) {
      return absl::InternalError(
          fmt::format("model '{}': predict() returned a bad {}", model, Message(s)));
    }
    return tensor;
  };
  std::vector<Tensor> outputs;
  if (output_names.empty()) {
    for (const ArenaTensor& out : reply.outputs) {
      absl::StatusOr<Tensor> tensor = to_tensor(out);
      if (!tensor.ok()) return tensor.status();
      outputs.push_back(*std::move(tensor));
    }
    return outputs;
  }
  auto returned = [&](const std::string& name) {
    return std::find_if(reply.outputs.begin(), reply.outputs.end(),
                        [&](const ArenaTensor& out) { return out.name == name; });
  };
  // Open outputs: those asked for that predict() returned; an error only when it returned
  // none of them (there would be nothing to answer with).
  const bool leave_out_missing =
      launch_->open_outputs &&
      std::any_of(output_names.begin(), output_names.end(),
                  [&](const std::string& name) { return returned(name) != reply.outputs.end(); });
  for (const std::string& name : output_names) {
    auto it = returned(name);
    if (it == reply.outputs.end() && leave_out_missing) continue;
    if (it == reply.outputs.end()) {
      std::string returned;
      for (const ArenaTensor& out : reply.outputs) {
        returned += fmt::format("{}'{}'", returned.empty() ? "" : ", ", out.name);
      }
      return absl::InternalError(
          fmt::format("model '{}': predict() returned no output '{}' (it returned {})", model, name,
                      returned.empty() ? std::string("none") : returned));
    }
    absl::StatusOr<Tensor> tensor = to_tensor(*it);
    if (!tensor.ok()) return tensor.status();
    outputs.push_back(*std::move(tensor));
  }
  return outputs;
}

}  // namespace tensord::runtime::python
