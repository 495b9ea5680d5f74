#include "frontend/http/reply_header.h"

#include <charconv>

namespace tensord::http {

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 499: return "Client Closed Request";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}

namespace {

void AppendNumber(std::string& out, size_t value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

void AppendField(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

}  // namespace

void WriteReplyHeader(std::string& out, const ReplyStatus& reply,
                      std::initializer_list<ReplyField> fields) {
  out.clear();
  out += reply.version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  AppendNumber(out, static_cast<size_t>(reply.status));
  out += ' ';
  out += ReasonPhrase(reply.status);
  out += "\r\n";
  for (const ReplyField& field : fields) {
    if (!field.value.empty()) AppendField(out, field.name, field.value);
  }
  const bool may_have_body = reply.status >= 200 && reply.status != 204 && reply.status != 304;
  if (may_have_body) {
    out += "Content-Length: ";
    AppendNumber(out, reply.content_length);
    out += "\r\n";
  }
  if (reply.version == 10 && reply.keep_alive) {
    AppendField(out, "Connection", "keep-alive");
  } else if (reply.version != 10 && !reply.keep_alive) {
    AppendField(out, "Connection", "close");
  }
  out += "\r\n";
}

}  // namespace tensord::http
