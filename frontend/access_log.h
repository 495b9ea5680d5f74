// The access log: one line per inference request, written by both frontends when they
// finish an infer call. main passes one in the frontends' options (--log-access); none (a
// null pointer, the default) costs a null check.
//
//   if (AccessLog* log = options.access_log) {
//     log->Log({.protocol = "http", .method = "POST", .path = "/v2/models/mlp/infer",
//               .model = "mlp", .version = "1", .http_status = 200, .latency_us = 123});
//   }
//   // text: access http POST /v2/models/mlp/infer model=mlp version=1 status=200 latency_us=123
//   // json: {"protocol":"http","method":"POST","path":"/v2/models/mlp/infer","model":"mlp",
//   //        "version":"1","status":200,"latency_us":123}
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "spdlog/logger.h"

namespace tensord {

struct AccessRecord {
  std::string_view protocol;  // "http" or "grpc"
  std::string_view method;    // HTTP method, or the RPC's name ("ModelInfer")
  std::string_view path;      // HTTP path without the query; empty for gRPC
  std::string_view model;
  std::string_view version;     // as requested; empty: the latest
  int http_status = 0;          // set for HTTP
  std::string_view grpc_code;   // set for gRPC ("OK", "INVALID_ARGUMENT", ...)
  int64_t latency_us = 0;       // arrival to reply
  std::string_view request_id;  // the request's "id", when it has one
};

// Text: "access http POST /p model=m version=1 status=200 latency_us=123 id=x" (empty version,
// path and id left out; model, version and id JSON-escaped, so one line stays one line).
std::string FormatAccessText(const AccessRecord& record);
// A JSON object; "status" is a number for HTTP, the code's name for gRPC.
std::string FormatAccessJson(const AccessRecord& record);

class AccessLog {
 public:
  virtual ~AccessLog() = default;
  virtual void Log(const AccessRecord& record) = 0;
};

// Writes FormatAccessText lines (json=false) or FormatAccessJson objects to `logger` at info
// level; with json, the logger's formatter must embed the message raw (JsonLogFormatter's
// raw_field).
class SpdlogAccessLog final : public AccessLog {
 public:
  SpdlogAccessLog(std::shared_ptr<spdlog::logger> logger, bool json)
      : logger_(std::move(logger)), json_(json) {}
  void Log(const AccessRecord& record) override;

 private:
  std::shared_ptr<spdlog::logger> logger_;
  bool json_;
};

}  // namespace tensord
