#include "runtime/xgboost/xgb_status.h"

#include "fmt/format.h"
#include "xgboost/c_api.h"

namespace tensord::runtime::xgboost {
namespace {

std::string_view Trim(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const size_t last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

}  // namespace

std::string CleanXgbMessage(std::string_view raw) {
  std::string_view text = raw;
  // "[20:35:12] /build/xgboost/src/learner.cc:123: Check failed: ..." -> "Check failed: ..."
  if (text.starts_with('[')) {
    const size_t time_end = text.find("] ");
    if (time_end != std::string_view::npos) {
      std::string_view rest = text.substr(time_end + 2);
      const size_t colon = rest.find(": ");
      const size_t line = rest.find(':');
      // Only strip a "file:line: " location, never a colon inside the reason itself.
      if (colon != std::string_view::npos && line < colon &&
          rest.substr(line + 1, colon - line - 1).find_first_not_of("0123456789") ==
              std::string_view::npos) {
        text = rest.substr(colon + 2);
      }
    }
  }
  const size_t trace = text.find("Stack trace:");
  if (trace != std::string_view::npos) text = text.substr(0, trace);
  return std::string(Trim(text));
}

absl::Status XgbCheck(int rc, XgbPhase phase, std::string_view context) {
  if (rc == 0) return absl::OkStatus();
  const char* raw = XGBGetLastError();
  std::string reason = CleanXgbMessage(raw == nullptr ? "" : raw);
  if (reason.empty()) reason = "XGBoost reported an error without a message";
  const std::string message = fmt::format("{}: {}", context, reason);
  if (reason.find("bad_alloc") != std::string::npos) {
    return absl::ResourceExhaustedError(message);
  }
  switch (phase) {
    case XgbPhase::kLoad:
    case XgbPhase::kPredict:
      return absl::InvalidArgumentError(message);
    case XgbPhase::kOther:
      break;
  }
  return absl::InternalError(message);
}

}  // namespace tensord::runtime::xgboost
