// A local `tensord serve` for the saturation finder, on ports chosen by the kernel.
//
//   absl::StatusOr<std::unique_ptr<ServerProcess>> s = ServerProcess::Start(
//       "build/release/server/tensord",
//       {"serve", "--model-repository", "models", "--http-port", "0", "--grpc-port", "0"});
//   (*s)->http_port();   // from its "serving HTTP on HOST:PORT" line
//   (*s)->Stop();        // SIGTERM, then SIGKILL after 15 s
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace tensord::bench {

class ServerProcess {
 public:
  // Output goes to a temporary log file; waits up to `timeout` for both serving lines.
  static absl::StatusOr<std::unique_ptr<ServerProcess>> Start(
      const std::string& binary, const std::vector<std::string>& args,
      std::chrono::seconds timeout = std::chrono::seconds(60));
  ~ServerProcess();

  uint16_t http_port() const { return http_port_; }
  uint16_t grpc_port() const { return grpc_port_; }
  std::string Log() const;
  int Stop();  // the exit status

 private:
  ServerProcess(pid_t pid, std::string log_path) : pid_(pid), log_path_(std::move(log_path)) {}
  pid_t pid_;
  std::string log_path_;
  uint16_t http_port_ = 0;
  uint16_t grpc_port_ = 0;
};

// Finds "serving <what> on HOST:PORT" in `log`; 0 when absent.
uint16_t ServingPort(std::string_view log, std::string_view what);

}  // namespace tensord::bench
