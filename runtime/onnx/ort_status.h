// Maps ONNX Runtime errors to absl codes, in one place, and keeps ONNX Runtime's C++
// exceptions inside this folder.
//
//   absl::StatusOr<std::vector<Ort::Value>> out = GuardOrt(OrtPhase::kRun, "running 'mlp'",
//       [&]() -> absl::StatusOr<std::vector<Ort::Value>> { return session.Run(...); });
//
// The phase matters because ONNX Runtime reports most failures inside Run (a broadcast
// between two dynamic dims that do not agree, a Reshape to an impossible shape) as a plain
// ORT_FAIL: during Run those come from the client's data and are InvalidArgument (HTTP
// 400), not Internal.
#pragma once

#include <exception>
#include <new>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/status_util.h"
#include "fmt/format.h"
#include "onnxruntime_cxx_api.h"

namespace tensord::runtime::onnx {

enum class OrtPhase {
  kLoad,  // reading the model file, creating a session
  kRun,   // Session::Run and reading its outputs
};

// ONNX Runtime's message without trailing newlines and without its source paths and
// C++ signatures ("/onnxruntime_src/...h:563 void f(...) x was false. why" -> "why").
std::string CleanOrtMessage(std::string_view message);

// The absl status for an ONNX Runtime error `code` with ONNX Runtime's `message`.
absl::Status OrtErrorToStatus(OrtErrorCode code, std::string_view message, OrtPhase phase);

// Runs `fn` (returning absl::Status or absl::StatusOr<T>) and turns any exception it
// throws into a status whose message starts with `context`.
template <typename Fn>
auto GuardOrt(OrtPhase phase, std::string_view context, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const Ort::Exception& e) {
    return Annotate(OrtErrorToStatus(e.GetOrtErrorCode(), e.what(), phase), context);
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(fmt::format("{}: out of memory", context));
  } catch (const std::exception& e) {
    return absl::InternalError(fmt::format("{}: {}", context, e.what()));
  }
}

}  // namespace tensord::runtime::onnx
