#include "frontend/access_log.h"

#include <atomic>

#include "fmt/format.h"
#include "frontend/json_writer.h"
#include "frontend/log_format.h"

namespace tensord {
namespace {

void AppendField(std::string& out, std::string_view key, std::string_view value) {
  out += fmt::format("\"{}\":", key);
  AppendJsonString(out, value);
}

}  // namespace

std::string FormatAccessText(const AccessRecord& record) {
  std::string line = fmt::format("access {} {}", record.protocol, record.method);
  if (!record.path.empty()) line += fmt::format(" {}", JsonEscape(record.path));
  line += fmt::format(" model={}", JsonEscape(record.model));
  if (!record.version.empty()) line += fmt::format(" version={}", JsonEscape(record.version));
  if (record.grpc_code.empty()) {
    line += fmt::format(" status={}", record.http_status);
  } else {
    line += fmt::format(" status={}", record.grpc_code);
  }
  line += fmt::format(" latency_us={}", record.latency_us);
  if (!record.request_id.empty()) line += fmt::format(" id={}", JsonEscape(record.request_id));
  return line;
}

std::string FormatAccessJson(const AccessRecord& record) {
  std::string out = "{";
  AppendField(out, "protocol", record.protocol);
  out += ',';
  AppendField(out, "method", record.method);
  if (!record.path.empty()) {
    out += ',';
    AppendField(out, "path", record.path);
  }
  out += ',';
  AppendField(out, "model", record.model);
  out += ',';
  AppendField(out, "version", record.version);
  if (record.grpc_code.empty()) {
    out += fmt::format(",\"status\":{}", record.http_status);
  } else {
    out += ',';
    AppendField(out, "status", record.grpc_code);
  }
  out += fmt::format(",\"latency_us\":{}", record.latency_us);
  if (!record.request_id.empty()) {
    out += ',';
    AppendField(out, "request_id", record.request_id);
  }
  out += '}';
  return out;
}

void SpdlogAccessLog::Log(const AccessRecord& record) {
  if (json_) {
    logger_->info("{}", FormatAccessJson(record));
  } else {
    logger_->info("{}", FormatAccessText(record));
  }
}

}  // namespace tensord
