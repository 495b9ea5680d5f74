#include "tools/bench/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "fmt/format.h"

namespace tensord::bench {

uint16_t ServingPort(std::string_view log, std::string_view what) {
  const std::string marker = fmt::format("serving {} on ", what);
  const size_t at = log.find(marker);
  if (at == std::string_view::npos) return 0;
  const size_t end = log.find_first_of("\r\n", at);
  const std::string_view address = log.substr(at + marker.size(), end - at - marker.size());
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return 0;
  int port = 0;
  for (char c : address.substr(colon + 1)) {
    if (c < '0' || c > '9') break;
    port = port * 10 + (c - '0');
  }
  return port > 0 && port < 65536 ? static_cast<uint16_t>(port) : 0;
}

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::Start(
    const std::string& binary, const std::vector<std::string>& args, std::chrono::seconds timeout) {
  if (access(binary.c_str(), X_OK) != 0) {
    return absl::NotFoundError(
        fmt::format("--server-bin {}: not an executable (build it with `make build`)", binary));
  }
  char log_template[] = "/tmp/tensord-bench-server-XXXXXX";
  const int log_fd = mkstemp(log_template);
  if (log_fd < 0) return absl::InternalError("cannot create a log file in /tmp");
  std::vector<std::string> argv_storage = {binary};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    return absl::InternalError("fork failed");
  }
  if (pid == 0) {
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    const int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  close(log_fd);
  std::unique_ptr<ServerProcess> process(new ServerProcess(pid, log_template));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const std::string log = process->Log();
    process->http_port_ = ServingPort(log, "HTTP");
    process->grpc_port_ = ServingPort(log, "gRPC");
    if (process->http_port_ && process->grpc_port_) return process;
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      process->pid_ = -1;
      return absl::UnavailableError(
          fmt::format("{} exited before serving; its output:\n{}", binary, log));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      process->Stop();
      return absl::DeadlineExceededError(
          fmt::format("{} logged no 'serving HTTP/gRPC on' lines within {} s; its output:\n{}",
                      binary, timeout.count(), log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string ServerProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int ServerProcess::Stop() {
  if (pid_ <= 0) return 0;
  kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 150; ++i) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return 137;
}

ServerProcess::~ServerProcess() {
  Stop();
  unlink(log_path_.c_str());
}

}  // namespace tensord::bench
