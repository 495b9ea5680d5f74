// Compressed REST bodies: a request's Content-Encoding (gzip, deflate) is undone before the
// body is decoded, and a reply is compressed when the client's Accept-Encoding allows it.
//
//   absl::StatusOr<std::shared_ptr<PaddedBuffer>> body =
//       DecodeContentEncoding(raw, content_encoding_header, max_body_bytes);
//   std::optional<ContentEncoding> reply = ChooseEncoding(accept_encoding_header);
//   if (reply && body.size() >= kMinCompressedReplyBytes) body = Compress(body, *reply);
//
// The limit applies to the decompressed size (a small gzip body can expand a thousandfold):
// going past it is ResourceExhausted, which the connection answers with 413 like a large
// plain body. A corrupt stream is InvalidArgument; an encoding other than gzip, deflate or
// identity is Unimplemented (415). Binary tensor data's Inference-Header-Content-Length
// counts the decompressed body, as Triton's does.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "frontend/http/padded_buffer.h"

namespace tensord::http {

enum class ContentEncoding { kGzip, kDeflate };

// Replies shorter than this go uncompressed whatever Accept-Encoding says (and so do replies
// with binary tensor data: see HttpConnection::Send).
inline constexpr size_t kMinCompressedReplyBytes = 1024;

// `body` itself when `encoding` is empty or "identity".
absl::StatusOr<std::shared_ptr<const PaddedBuffer>> DecodeContentEncoding(
    std::shared_ptr<const PaddedBuffer> body, std::string_view encoding, size_t max_bytes);

// gzip or deflate when Accept-Encoding lists one (gzip preferred; "q=0" excludes one).
std::optional<ContentEncoding> ChooseEncoding(std::string_view accept_encoding);
std::string_view EncodingName(ContentEncoding encoding);

std::string Compress(std::string_view data, ContentEncoding encoding);

}  // namespace tensord::http
