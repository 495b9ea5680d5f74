// The one place where XGBoost C API failures become absl::Status values.
//
//   absl::Status s = XgbCheck(XGBoosterLoadModel(handle, path), XgbPhase::kLoad, "loading m.json");
//   // -> InvalidArgument("loading m.json: Check failed: ...") with XGBGetLastError()'s reason
//
// XGBoost reports every failure as -1 plus a thread-local message, so the code depends on
// what was being done: a file that fails to load is the file's fault (InvalidArgument), a
// prediction that fails after our own input checks came from the data (InvalidArgument),
// anything else is ours (Internal). Running out of memory is ResourceExhausted everywhere.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace tensord::runtime::xgboost {

enum class XgbPhase { kLoad, kPredict, kOther };

// OK when `rc` is 0; otherwise the error for `phase`, "`context`: reason".
absl::Status XgbCheck(int rc, XgbPhase phase, std::string_view context);

// XGBoost's last error on this thread without the "[time] file:line: " prefix and the stack
// trace it appends; exposed for tests.
std::string CleanXgbMessage(std::string_view raw);

}  // namespace tensord::runtime::xgboost
