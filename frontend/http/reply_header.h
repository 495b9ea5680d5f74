// The status line and header fields of an HTTP/1.x reply, written by hand into a reused
// string (the connection sends it and the body with one gather write):
//
//   WriteReplyHeader(header, {.version = 11, .status = 200, .keep_alive = true,
//                             .content_length = body.size()},
//                    {{"Content-Type", "application/json"}});
//   // "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 42\r\n\r\n"
//
// Connection follows HTTP/1.x's defaults: "close" only where a 1.1 reply ends the
// connection, "keep-alive" only where a 1.0 reply keeps it. Content-Length is written for
// every status that may carry a body (not 1xx, 204 or 304).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

namespace tensord::http {

struct ReplyStatus {
  unsigned version = 11;  // 10 or 11
  int status = 200;
  bool keep_alive = true;
  size_t content_length = 0;
};

// A header field; one with an empty value is left out. Names and values come from the
// server, never from a client (no folding or CR/LF check).
struct ReplyField {
  std::string_view name;
  std::string_view value;
};

// The reason phrase of a status code ("OK", "Not Found", "Client Closed Request" for 499);
// "Unknown" for a code without one.
std::string_view ReasonPhrase(int status);

// Replaces `out` with the reply's status line and fields, ending with the empty line.
void WriteReplyHeader(std::string& out, const ReplyStatus& reply,
                      std::initializer_list<ReplyField> fields);

}  // namespace tensord::http
