// Authentication and authorisation of one request, for every listener: finds who is
// calling (a bearer token, or the subject CN of a verified client certificate), and whether
// their roles allow the action (frontend/auth/auth_policy.h). The token table comes from
// the --auth-tokens file (frontend/auth/token_table.h) and is reloaded when the file
// changes: checked at most once per `reload_interval`, on a request's thread; a file that
// no longer parses is logged and the previous table stays in force.
//
//   absl::StatusOr<std::unique_ptr<Authenticator>> auth =
//       Authenticator::Create({.tokens_file = "/etc/tensord/tokens"});
//   absl::Status s = (*auth)->Check(Action::kModelControl,
//                                   {.authorization = "Bearer 3f9c...", .common_name = ""},
//                                   "POST /v2/repository/models/m/load");
//   // OK; Unauthenticated (no or an invalid credential); PermissionDenied (role lacking)
//
// Failures are counted per reason (failures(); the metrics port exports them as
// tensord_auth_failures_total{reason}) and logged, at most once per 10 s per reason.
// Thread-safe: the frontends' threads call Check concurrently.
#pragma once

#include <sys/types.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "frontend/auth/auth_policy.h"
#include "frontend/auth/token_table.h"
#include "frontend/http/log_throttle.h"

namespace tensord::auth {

struct AuthOptions {
  std::string tokens_file;  // required
  // Health (liveness/readiness) needs no credentials: Kubernetes probes send none.
  bool open_health = true;
  std::chrono::milliseconds reload_interval{1000};
};

struct Credentials {
  // The Authorization header's (or gRPC `authorization` metadata's) value; nullopt: none.
  std::optional<std::string_view> authorization;
  // Subject CN of the client's verified certificate (mutual TLS); empty: none.
  std::string_view common_name;
};

enum class FailureReason { kMissing, kInvalid, kForbidden };
inline constexpr size_t kFailureReasons = 3;
std::string_view FailureReasonName(FailureReason reason);  // "missing", "invalid", "forbidden"

class Authenticator {
 public:
  static absl::StatusOr<std::unique_ptr<Authenticator>> Create(AuthOptions options);

  // `what` names the request in messages ("POST /v2/repository/models/m/load",
  // "gRPC RepositoryModelLoad"). Messages:
  //   Unauthenticated  "'<what>' needs credentials: send 'Authorization: Bearer <token>' ..."
  //                    "'<what>': the bearer token is not valid"
  //   PermissionDenied "'<what>' needs role 'admin'; the credentials presented have role(s) infer"
  absl::Status Check(Action action, const Credentials& credentials, std::string_view what);

  uint64_t failures(FailureReason reason) const {
    return failures_[static_cast<size_t>(reason)].load(std::memory_order_relaxed);
  }
  bool open_health() const { return options_.open_health; }

 private:
  struct FileStamp {
    int64_t mtime_ns = 0;
    off_t size = -1;
    ino_t inode = 0;
    bool operator==(const FileStamp&) const = default;
  };

  Authenticator(AuthOptions options, TokenTable table, FileStamp stamp);
  static std::optional<FileStamp> Stamp(const std::string& path);
  void MaybeReload();
  std::shared_ptr<const TokenTable> table() const;
  absl::Status Fail(FailureReason reason, std::string message);

  const AuthOptions options_;
  std::atomic<int64_t> next_check_ns_{0};
  mutable std::mutex mutex_;
  std::shared_ptr<const TokenTable> table_ ABSL_GUARDED_BY(mutex_);
  FileStamp stamp_ ABSL_GUARDED_BY(mutex_);
  http::LogThrottle reload_log_ ABSL_GUARDED_BY(mutex_){std::chrono::seconds(10)};
  std::array<http::LogThrottle, kFailureReasons> failure_log_ ABSL_GUARDED_BY(mutex_){
      http::LogThrottle(std::chrono::seconds(10)), http::LogThrottle(std::chrono::seconds(10)),
      http::LogThrottle(std::chrono::seconds(10))};
  std::array<std::atomic<uint64_t>, kFailureReasons> failures_{};
};

}  // namespace tensord::auth
