// A Boost.Beast body type that receives a request body straight into a PaddedBuffer, so
// the JSON parser reads it in place and binary tensors can view it (no copies).
//
//   http::request_parser<PaddedBody> parser;
//   parser.body_limit(max_body_bytes);   // Beast refuses a larger Content-Length up front
//   ... http::async_read(stream, buffer, parser, ...);
//   std::shared_ptr<PaddedBuffer> body = parser.get().body();   // null when there was none
//
// Included only by http_connection.cc (Beast is slow to compile).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>

#include "boost/beast/core/buffers_range.hpp"
#include "boost/beast/core/error.hpp"
#include "boost/beast/http/message.hpp"
#include "boost/optional.hpp"
#include "frontend/http/padded_buffer.h"

namespace tensord::http {

struct PaddedBody {
  using value_type = std::shared_ptr<PaddedBuffer>;

  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(boost::beast::http::header<isRequest, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<std::uint64_t>& content_length,
              boost::beast::error_code& error) {
      body_ = std::make_shared<PaddedBuffer>();
      // Content-Length is already within the body limit; still reserve at most a few MiB
      // ahead of data that has actually arrived.
      constexpr std::uint64_t kMaxReserveAhead = std::uint64_t{4} << 20;
      if (content_length) {
        body_->Reserve(static_cast<size_t>(std::min(*content_length, kMaxReserveAhead)));
      }
      error = {};
    }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, boost::beast::error_code& error) {
      std::size_t size = 0;
      for (const auto buffer : boost::beast::buffers_range_ref(buffers)) {
        body_->Append(buffer.data(), buffer.size());
        size += buffer.size();
      }
      error = {};
      return size;
    }

    void finish(boost::beast::error_code& error) { error = {}; }

   private:
    value_type& body_;
  };
};

}  // namespace tensord::http
