// Fuzzes the REST frontend as HttpConnection wires it, minus the socket: Beast's request
// parser with tensord's PaddedBody and the server's default limits (body 64 MiB, header
// 64 KiB, 100 header fields), then what Dispatch does (Content-Encoding decompression
// within the body limit, Inference-Header-Content-Length, Accept-Encoding) and
// RestHandler::Handle (MatchRoute and percent decoding, method check, every route's body
// decoder, request limits) over FuzzService (fuzz_service.h: validation against fixed
// models, echo replies through the response encoder, config overrides on load).
// Pipelined requests in one input are parsed one after another, as on a keep-alive
// connection.
//
//   build/fuzz/fuzz/http_request_fuzzer fuzz/corpus/http_request   # raw HTTP/1.1 bytes
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "boost/asio/buffer.hpp"
#include "boost/beast/http/error.hpp"
#include "boost/beast/http/parser.hpp"
#include "frontend/http/content_encoding.h"
#include "frontend/http/inflight_counter.h"
#include "frontend/http/padded_body.h"
#include "frontend/http/rest_handler.h"
#include "fuzz/fuzz_service.h"
#include "spdlog/spdlog.h"

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tensord::http::PaddedBuffer;
using tensord::http::RestHandler;
using tensord::http::RestRequest;
using tensord::http::RestResponse;

std::string_view View(beast::string_view text) { return {text.data(), text.size()}; }

// Parses one request from the front of `input` like async_read_header + async_read would
// with all of `input` already received (then EOF). Returns the bytes consumed, or nullopt
// when the connection would answer an error (or nothing) and close.
std::optional<size_t> ParseOne(std::string_view input,
                               bhttp::request_parser<tensord::http::PaddedBody>& parser) {
  parser.body_limit(tensord::fuzz::kMaxBodyBytes);
  parser.header_limit(tensord::fuzz::kMaxHeaderBytes);
  size_t used = 0;
  beast::error_code error;
  bool header_checked = false;
  while (!parser.is_done()) {
    const size_t n =
        parser.put(boost::asio::buffer(input.data() + used, input.size() - used), error);
    used += n;
    if (error == bhttp::error::need_more) error = {};
    if (error) return std::nullopt;  // 400 / 413 / 431 and close (HttpConnection::OnReadError)
    if (parser.is_header_done() && !header_checked) {
      header_checked = true;
      size_t fields = 0;
      for (auto it = parser.get().begin(); it != parser.get().end(); ++it) ++fields;
      if (fields > tensord::fuzz::kMaxHeaderFields) return std::nullopt;  // 431 and close
    }
    if (!parser.is_done() && n == 0) {
      // Everything received is parsed and the message is not complete: the client closed
      // (a read would see EOF), which is partial_message, unanswered.
      parser.put_eof(error);
      return std::nullopt;
    }
  }
  return used;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static tensord::fuzz::FuzzService service;
  static RestHandler handler(service, std::make_shared<tensord::http::InflightCounter>(), nullptr,
                             nullptr, tensord::fuzz::kLimits);
  static const std::shared_ptr<const PaddedBuffer> kEmpty = std::make_shared<PaddedBuffer>();
  const RestHandler::Post post = [](absl::AnyInvocable<void() &&> task) { std::move(task)(); };

  std::string_view input(reinterpret_cast<const char*>(data), size);
  // A connection answers requests one after another; a few are enough to cover pipelining.
  for (int request_index = 0; request_index < 4 && !input.empty(); ++request_index) {
    bhttp::request_parser<tensord::http::PaddedBody> parser;
    const std::optional<size_t> used = ParseOne(input, parser);
    if (!used) return 0;
    input.remove_prefix(*used);

    auto& request = parser.get();
    RestRequest rest{.method = View(request.method_string()),
                     .target = View(request.target()),
                     .body = request.body() ? request.body() : kEmpty};
    std::optional<tensord::http::ContentEncoding> reply_encoding;
    if (auto accept = request.find(bhttp::field::accept_encoding); accept != request.end()) {
      reply_encoding = tensord::http::ChooseEncoding(View(accept->value()));
    }
    bool answered = false;
    if (auto encoding = request.find(bhttp::field::content_encoding); encoding != request.end()) {
      absl::StatusOr<std::shared_ptr<const PaddedBuffer>> plain =
          tensord::http::DecodeContentEncoding(rest.body, View(encoding->value()),
                                               tensord::fuzz::kMaxBodyBytes);
      if (!plain.ok()) {
        answered = true;  // 413 / 415 / 400; the connection stays open
      } else {
        rest.body = *std::move(plain);
      }
    }
    if (!answered) {
      if (auto header = request.find("Inference-Header-Content-Length"); header != request.end()) {
        rest.inference_header_length = View(header->value());
      }
      if (auto header = request.find(bhttp::field::authorization); header != request.end()) {
        rest.authorization = View(header->value());
      }
      handler.Handle(rest, post, [&](RestResponse response) {
        // HttpConnection::Send compresses large JSON replies as the client asked.
        if (reply_encoding && response.body.size() >= tensord::http::kMinCompressedReplyBytes &&
            !response.inference_header_length) {
          (void)tensord::http::Compress(response.body, *reply_encoding);
        }
      });
    }
    if (!request.keep_alive()) return 0;
  }
  return 0;
}
