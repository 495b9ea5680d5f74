#include "frontend/auth/authenticator.h"

#include <sys/stat.h>

#include <cctype>

#include "fmt/format.h"
#include "spdlog/spdlog.h"

namespace tensord::auth {
namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The token of "Bearer <token>" (scheme case-insensitive); nullopt for another form.
std::optional<std::string_view> BearerToken(std::string_view value) {
  constexpr std::string_view kScheme = "bearer";
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (value.size() <= kScheme.size() || value[kScheme.size()] != ' ') return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != kScheme[i]) return std::nullopt;
  }
  value.remove_prefix(kScheme.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  return value;
}

std::string RequiredText(Action action) {
  const Role role = RequiredRole(action);
  if (role == Role::kAdmin) return "'admin'";
  return fmt::format("'{}' (or 'admin')", RoleName(role));
}

}  // namespace

std::string_view FailureReasonName(FailureReason reason) {
  switch (reason) {
    case FailureReason::kMissing:
      return "missing";
    case FailureReason::kInvalid:
      return "invalid";
    case FailureReason::kForbidden:
      return "forbidden";
  }
  return "?";
}

absl::StatusOr<std::unique_ptr<Authenticator>> Authenticator::Create(AuthOptions options) {
  // The stamp is taken before the read: a change during the read is seen at the next check.
  std::optional<FileStamp> stamp = Stamp(options.tokens_file);
  absl::StatusOr<TokenTable> table = LoadTokenTable(options.tokens_file);
  if (!table.ok()) return table.status();
  return std::unique_ptr<Authenticator>(
      new Authenticator(std::move(options), *std::move(table), stamp.value_or(FileStamp{})));
}

Authenticator::Authenticator(AuthOptions options, TokenTable table, FileStamp stamp)
    : options_(std::move(options)),
      table_(std::make_shared<const TokenTable>(std::move(table))),
      stamp_(stamp) {
  next_check_ns_.store(NowNs() + std::chrono::nanoseconds(options_.reload_interval).count());
}

std::optional<Authenticator::FileStamp> Authenticator::Stamp(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;
  return FileStamp{
      .mtime_ns = static_cast<int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec,
      .size = info.st_size,
      .inode = info.st_ino};
}

void Authenticator::MaybeReload() {
  const int64_t now = NowNs();
  int64_t next = next_check_ns_.load(std::memory_order_relaxed);
  if (now < next) return;
  // One thread checks; the others go on with the table they have.
  if (!next_check_ns_.compare_exchange_strong(
          next, now + std::chrono::nanoseconds(options_.reload_interval).count(),
          std::memory_order_relaxed)) {
    return;
  }
  std::optional<FileStamp> stamp = Stamp(options_.tokens_file);
  {
    std::lock_guard lock(mutex_);
    if (stamp == stamp_ || (!stamp && stamp_ == FileStamp{})) return;
  }
  absl::StatusOr<TokenTable> table = LoadTokenTable(options_.tokens_file);
  std::lock_guard lock(mutex_);
  stamp_ = stamp.value_or(FileStamp{});
  if (!table.ok()) {
    if (std::optional<uint64_t> skipped = reload_log_.Allow(http::LogThrottle::Clock::now())) {
      spdlog::error("auth: keeping the previous tokens: {}", std::string(table.status().message()));
    }
    return;
  }
  spdlog::info("auth: reloaded {} token(s) and {} certificate name(s) from '{}'",
               table->token_count(), table->common_name_count(), options_.tokens_file);
  table_ = std::make_shared<const TokenTable>(*std::move(table));
}

std::shared_ptr<const TokenTable> Authenticator::table() const {
  std::lock_guard lock(mutex_);
  return table_;
}

absl::Status Authenticator::Fail(FailureReason reason, std::string message) {
  const size_t index = static_cast<size_t>(reason);
  failures_[index].fetch_add(1, std::memory_order_relaxed);
  std::optional<uint64_t> skipped;
  {
    std::lock_guard lock(mutex_);
    skipped = failure_log_[index].Allow(http::LogThrottle::Clock::now());
  }
  if (skipped) {
    spdlog::warn("auth: refused ({}): {}{}", FailureReasonName(reason), message,
                 *skipped == 0 ? std::string()
                               : fmt::format(" ({} more {} since the last report)", *skipped,
                                             FailureReasonName(reason)));
  }
  if (reason == FailureReason::kForbidden) return absl::PermissionDeniedError(message);
  return absl::UnauthenticatedError(message);
}

absl::Status Authenticator::Check(Action action, const Credentials& credentials,
                                  std::string_view what) {
  if (action == Action::kHealth && options_.open_health) return absl::OkStatus();
  MaybeReload();
  const std::shared_ptr<const TokenTable> table = this->table();
  std::optional<RoleSet> roles;
  if (credentials.authorization) {
    std::optional<std::string_view> token = BearerToken(*credentials.authorization);
    if (!token) {
      return Fail(FailureReason::kInvalid,
                  fmt::format("'{}': the authorization must read 'Bearer <token>'", what));
    }
    roles = table->RolesOfToken(*token);
    if (!roles) {
      return Fail(FailureReason::kInvalid,
                  fmt::format("'{}': the bearer token is not valid", what));
    }
  }
  if (!credentials.common_name.empty()) {
    if (std::optional<RoleSet> cn_roles = table->RolesOfCommonName(credentials.common_name)) {
      roles = roles.value_or(0) | *cn_roles;
    }
  }
  if (!roles) {
    return Fail(FailureReason::kMissing,
                fmt::format("'{}' needs credentials: send 'Authorization: Bearer <token>' with a "
                            "token of role {}",
                            what, RequiredText(action)));
  }
  if (!RoleAllows(*roles, action)) {
    return Fail(FailureReason::kForbidden,
                fmt::format("'{}' needs role {}; the credentials presented have role(s) {}", what,
                            RequiredText(action), RoleSetText(*roles)));
  }
  return absl::OkStatus();
}

}  // namespace tensord::auth
