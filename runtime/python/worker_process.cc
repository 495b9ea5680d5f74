#include "runtime/python/worker_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <future>

#include "fmt/format.h"
#include "runtime/python/control_message.h"

namespace tensord::runtime::python {
namespace {

std::string SignalName(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  return abbrev == nullptr ? std::string("unknown") : fmt::format("SIG{}", abbrev);
}

std::string DescribeWaitStatus(int status) {
  if (WIFSIGNALED(status)) {
    return fmt::format("was killed by signal {} ({})", WTERMSIG(status),
                       SignalName(WTERMSIG(status)));
  }
  if (WIFEXITED(status)) {
    if (WEXITSTATUS(status) == 127) return "exited with status 127 (python3 could not be run)";
    return fmt::format("exited with status {}", WEXITSTATUS(status));
  }
  return "ended";
}

// Runs in the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void ExecChild(pid_t parent, int socket_fd, int arena_fd, char* const argv[],
                            char* const envp[]) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(126);  // the server died before the line above
  // Both descriptors above any that dup2 below overwrites, then into place (dup2 clears
  // close-on-exec on the copy).
  const int socket_high = fcntl(socket_fd, F_DUPFD, 10);
  const int arena_high = fcntl(arena_fd, F_DUPFD, 10);
  if (socket_high < 0 || arena_high < 0) _exit(125);
  if (dup2(socket_high, 3) < 0 || dup2(arena_high, 4) < 0) _exit(125);
  close_range(5, UINT_MAX, 0);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);  // the server blocks SIGTERM for sigwait
  execve(argv[0], argv, envp);
  _exit(127);
}

std::atomic<bool> shutting_down{false};

}  // namespace

void BeginWorkerShutdown() { shutting_down.store(true, std::memory_order_relaxed); }
bool WorkersShuttingDown() { return shutting_down.load(std::memory_order_relaxed); }

Forker::Forker() : thread_([this] { Loop(); }) {}

Forker::~Forker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Forker::Loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
    if (tasks_.empty()) return;
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
}

absl::StatusOr<pid_t> Forker::Spawn(const WorkerCommand& command, int socket_fd, int arena_fd) {
  // argv and envp are built before fork: the child may not allocate.
  std::vector<std::string> args;
  args.push_back(command.program);
  args.insert(args.end(), command.args.begin(), command.args.end());
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = command.env;
  std::vector<char*> envp;
  for (std::string& entry : env) envp.push_back(entry.data());
  envp.push_back(nullptr);

  std::promise<absl::StatusOr<pid_t>> done;
  std::future<absl::StatusOr<pid_t>> result = done.get_future();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return absl::UnavailableError("the python runtime is shutting down");
    tasks_.push_back([&] {
      const pid_t parent = getpid();
      const pid_t pid = fork();
      if (pid == 0) ExecChild(parent, socket_fd, arena_fd, argv.data(), envp.data());
      if (pid < 0) {
        done.set_value(absl::ResourceExhaustedError(
            fmt::format("cannot start a python worker: fork: {}", std::strerror(errno))));
      } else {
        done.set_value(pid);
      }
    });
  }
  wake_.notify_one();
  return result.get();
}

absl::StatusOr<std::unique_ptr<WorkerProcess>> WorkerProcess::Start(Forker& forker,
                                                                    const WorkerCommand& command,
                                                                    int arena_fd) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return absl::ResourceExhaustedError(
        fmt::format("cannot start a python worker: socketpair: {}", std::strerror(errno)));
  }
  absl::StatusOr<pid_t> pid = forker.Spawn(command, fds[1], arena_fd);
  close(fds[1]);
  if (!pid.ok()) {
    close(fds[0]);
    return pid.status();
  }
  return std::unique_ptr<WorkerProcess>(new WorkerProcess(*pid, fds[0]));
}

WorkerProcess::~WorkerProcess() { Stop(std::chrono::milliseconds(2000)); }

absl::Status WorkerProcess::Send(std::string_view payload) {
  const std::string frame = FrameMessage(payload);
  size_t sent = 0;
  while (sent < frame.size()) {
    const ssize_t n = send(fd_, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::UnavailableError("the worker closed its socket");
    sent += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::Status WorkerProcess::ReadFull(char* out, size_t n,
                                     std::chrono::steady_clock::time_point deadline) {
  size_t got = 0;
  while (got < n) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return absl::DeadlineExceededError("no answer in time");
    if (WorkersShuttingDown()) return absl::CancelledError("the server is shutting down");
    pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
    // Slices of 100 ms at most, so that a shutdown is noticed.
    const int ready = poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count() + 1, 100)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) continue;  // the loop's deadline check decides
    const ssize_t r = recv(fd_, out + got, n - got, 0);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (r <= 0) return absl::UnavailableError("the worker closed its socket");
    got += static_cast<size_t>(r);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> WorkerProcess::Receive(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  unsigned char header[4];
  if (absl::Status s = ReadFull(reinterpret_cast<char*>(header), 4, deadline); !s.ok()) return s;
  absl::StatusOr<uint32_t> length = FrameLength(header);
  if (!length.ok()) return length.status();
  std::string payload(*length, '\0');
  if (absl::Status s = ReadFull(payload.data(), payload.size(), deadline); !s.ok()) return s;
  return payload;
}

bool WorkerProcess::ClosedWhileIdle() {
  pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
  if (poll(&p, 1, 0) <= 0) return false;
  if ((p.revents & (POLLHUP | POLLERR)) != 0) return true;
  char byte;
  return recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

std::string WorkerProcess::ReapDescription() {
  if (!reaped_) {
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    exit_description_ = DescribeWaitStatus(status);
  }
  return exit_description_;
}

void WorkerProcess::Kill() {
  if (reaped_) return;
  kill(pid_, SIGKILL);
  ReapDescription();
}

void WorkerProcess::Stop(std::chrono::milliseconds grace) {
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
  if (reaped_) return;
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      reaped_ = true;
      exit_description_ = DescribeWaitStatus(status);
      return;
    }
    if (done < 0 && errno != EINTR) {
      reaped_ = true;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  Kill();
}

}  // namespace tensord::runtime::python
