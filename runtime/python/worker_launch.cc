#include "runtime/python/worker_launch.h"

#include "core/status_util.h"
#include "fmt/format.h"
#include "runtime/python/control_message.h"
#include "spdlog/spdlog.h"

namespace tensord::runtime::python {

std::string DurationText(std::chrono::milliseconds duration) {
  if (duration.count() % 1000 == 0) return fmt::format("{} s", duration.count() / 1000);
  return fmt::format("{} ms", duration.count());
}

absl::StatusOr<std::unique_ptr<WorkerProcess>> StartWorker(const WorkerLaunch& launch,
                                                           int arena_fd) {
  absl::StatusOr<std::unique_ptr<WorkerProcess>> worker =
      WorkerProcess::Start(*launch.forker, launch.command, arena_fd);
  if (!worker.ok()) return worker.status();
  // The socket buffer takes the load message whatever the worker is doing; a worker that
  // already died is found by AwaitLoaded.
  (void)(*worker)->Send(launch.load_message);
  return worker;
}

absl::Status AwaitLoaded(const WorkerLaunch& launch, WorkerProcess& worker) {
  const std::string who =
      fmt::format("model '{}' (implementation '{}')", launch.model_name, launch.implementation);
  absl::StatusOr<std::string> answer = worker.Receive(launch.load_timeout);
  if (absl::IsDeadlineExceeded(answer.status())) {
    worker.Kill();
    return absl::DeadlineExceededError(
        fmt::format("{}: load() did not return within {} (--python-load-timeout); its worker "
                    "was killed",
                    who, DurationText(launch.load_timeout)));
  }
  if (absl::IsCancelled(answer.status())) {
    worker.Kill();
    return absl::UnavailableError(fmt::format("{}: the server is shutting down", who));
  }
  if (absl::IsUnavailable(answer.status())) {
    return absl::InternalError(fmt::format("{}: the python worker (pid {}) {} while loading", who,
                                           worker.pid(), worker.ReapDescription()));
  }
  if (!answer.ok()) {
    worker.Kill();
    return absl::InternalError(fmt::format("{}: {}", who, Message(answer.status())));
  }
  absl::StatusOr<WorkerReply> reply = DecodeWorkerReply(*answer, 0);
  if (!reply.ok()) {
    worker.Kill();
    return absl::InternalError(fmt::format("{}: {}", who, Message(reply.status())));
  }
  if (!reply->ok) {
    if (!reply->traceback.empty()) {
      spdlog::error("{}: loading failed: {}\n{}", who, reply->error, reply->traceback);
    }
    worker.Kill();
    return absl::FailedPreconditionError(fmt::format("{}: {}", who, reply->error));
  }
  return absl::OkStatus();
}

}  // namespace tensord::runtime::python
