// The one place where tensord's absl::Status codes become HTTP status codes, and the
// protocol's error body.
//
//   int code = HttpStatusFor(status.code());     // NotFound -> 404
//   std::string body = ErrorJson(Message(status));  // {"error":"..."}
//
//   InvalidArgument, OutOfRange, FailedPrecondition  400 Bad Request
//   NotFound                                         404 Not Found
//   ResourceExhausted                                429 Too Many Requests (queue full)
//   Cancelled                                        499 Client Closed Request (the
//                                                        mapping Google's APIs use)
//   Unimplemented                                    501 Not Implemented
//   Unavailable                                      503 Service Unavailable
//   DeadlineExceeded                                 504 Gateway Timeout
//   anything else                                    500 Internal Server Error
//
// 413 (body too large) is decided by the HTTP parser, 405 and 404 for unknown routes by
// the router; readiness routes answer 400 for "not ready" as Triton does.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace tensord::http {

int HttpStatusFor(absl::StatusCode code);

// {"error":"<message>"} with the message escaped.
std::string ErrorJson(std::string_view message);

}  // namespace tensord::http
