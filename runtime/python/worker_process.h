// One Python worker process: started by fork+exec, spoken to over a socketpair (framed
// control messages, control_message.h), its tensors in a shared-memory arena it inherits.
//
//   Forker forker;                                  // owned by the python runtime
//   absl::StatusOr<std::unique_ptr<WorkerProcess>> worker =
//       WorkerProcess::Start(forker, command, arena.fd());
//   absl::StatusOr<std::string> ready = (*worker)->Receive(std::chrono::seconds(120));
//   (*worker)->Send(EncodePredictCall(call));
//   ... Receive(timeout): DeadlineExceeded when it did not answer in time, Unavailable when
//   it closed the socket (crashed: ReapDescription() says how) ...
//   (*worker)->Kill();                              // SIGKILL and reap
//
// Workers never outlive the server: the child asks for SIGKILL when its parent dies
// (PR_SET_PDEATHSIG) and keeps no descriptor but stdin/out/err, the socket (fd 3) and the
// arena (fd 4). PR_SET_PDEATHSIG fires when the forking *thread* ends, so every fork runs on
// the Forker's one thread, which lives as long as the runtime. A WorkerProcess is used by one
// thread at a time; the destructor stops the worker (closes the socket, waits a moment, then
// kills it).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"

namespace tensord::runtime::python {

struct WorkerCommand {
  std::string program;            // "/usr/bin/python3"
  std::vector<std::string> args;  // argv[1..]
  std::vector<std::string> env;   // the whole environment, "NAME=value"
};

// The thread every worker is forked from (see the header comment). Thread-safe.
class Forker {
 public:
  Forker();
  ~Forker();
  Forker(const Forker&) = delete;
  Forker& operator=(const Forker&) = delete;

  // Runs `command` with `socket_fd` as its fd 3 and `arena_fd` as its fd 4.
  absl::StatusOr<pid_t> Spawn(const WorkerCommand& command, int socket_fd, int arena_fd);

 private:
  void Loop();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread thread_;
};

// Called once the server stopped taking requests (after its drain): a Receive in progress
// returns Cancelled within 100 ms, so a predict() that hangs at shutdown does not hold the
// exit for --python-predict-timeout; no worker is restarted after it. Process-wide.
void BeginWorkerShutdown();
bool WorkersShuttingDown();

class WorkerProcess {
 public:
  static absl::StatusOr<std::unique_ptr<WorkerProcess>> Start(Forker& forker,
                                                              const WorkerCommand& command,
                                                              int arena_fd);
  ~WorkerProcess();
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  pid_t pid() const { return pid_; }

  // Sends one framed message. Unavailable when the worker is gone.
  absl::Status Send(std::string_view payload);
  // Waits up to `timeout` for one whole message. DeadlineExceeded: no answer in time.
  // Unavailable: the worker closed its end (it exited or was killed). Cancelled: the server
  // is shutting down (BeginWorkerShutdown).
  absl::StatusOr<std::string> Receive(std::chrono::milliseconds timeout);
  // Whether the worker has closed its end while it owed no answer (it died while idle).
  // Does not block.
  bool ClosedWhileIdle();
  // After Receive said Unavailable: waits for the process and says how it ended
  // ("was killed by signal 9 (SIGKILL)", "exited with status 1").
  std::string ReapDescription();
  // SIGKILL and reap; idempotent.
  void Kill();
  // Closes the socket (the worker exits when it sees that), waits up to `grace`, then kills.
  void Stop(std::chrono::milliseconds grace);

 private:
  WorkerProcess(pid_t pid, int fd) : pid_(pid), fd_(fd) {}
  absl::Status ReadFull(char* out, size_t n, std::chrono::steady_clock::time_point deadline);

  pid_t pid_;
  int fd_;
  bool reaped_ = false;
  std::string exit_description_;
};

}  // namespace tensord::runtime::python
