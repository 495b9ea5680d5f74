#include "frontend/http/content_encoding.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "fmt/format.h"

namespace tensord::http {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// zlib's window bits: 16+15 reads gzip, 15 reads the zlib format; -15 is a raw deflate
// stream, which some clients send as "deflate" (tried when the zlib header is missing).
absl::StatusOr<std::shared_ptr<const PaddedBuffer>> Inflate(const PaddedBuffer& body,
                                                            int window_bits, size_t max_bytes,
                                                            std::string_view name) {
  z_stream stream{};
  if (inflateInit2(&stream, window_bits) != Z_OK) {
    return absl::InternalError("cannot initialize zlib");
  }
  auto out = std::make_shared<PaddedBuffer>();
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  stream.avail_in = static_cast<uInt>(body.size());
  constexpr size_t kChunk = size_t{64} << 10;
  int result = Z_OK;
  while (result != Z_STREAM_END) {
    char* space = out->Prepare(kChunk);
    stream.next_out = reinterpret_cast<Bytef*>(space);
    stream.avail_out = static_cast<uInt>(kChunk);
    result = inflate(&stream, Z_NO_FLUSH);
    const size_t produced = kChunk - stream.avail_out;
    out->Commit(produced);
    if (out->size() > max_bytes) {
      inflateEnd(&stream);
      return absl::ResourceExhaustedError(
          fmt::format("request body is larger than the limit of {} bytes once decompressed "
                      "(Content-Encoding: {})",
                      max_bytes, name));
    }
    if (result == Z_STREAM_END) break;
    if (result != Z_OK && !(result == Z_BUF_ERROR && produced > 0)) {
      const std::string detail = stream.msg != nullptr ? stream.msg : "truncated stream";
      inflateEnd(&stream);
      return absl::InvalidArgumentError(
          fmt::format("request body is not valid {} data: {}", name, detail));
    }
    if (stream.avail_in == 0 && produced == 0) {
      inflateEnd(&stream);
      return absl::InvalidArgumentError(
          fmt::format("request body is not valid {} data: truncated stream", name));
    }
  }
  inflateEnd(&stream);
  return std::shared_ptr<const PaddedBuffer>(std::move(out));
}

}  // namespace

absl::StatusOr<std::shared_ptr<const PaddedBuffer>> DecodeContentEncoding(
    std::shared_ptr<const PaddedBuffer> body, std::string_view encoding, size_t max_bytes) {
  const std::string name = Lower(Trim(encoding));
  if (name.empty() || name == "identity") return body;
  if (name == "gzip" || name == "x-gzip") return Inflate(*body, 16 + MAX_WBITS, max_bytes, "gzip");
  if (name == "deflate") {
    absl::StatusOr<std::shared_ptr<const PaddedBuffer>> zlib =
        Inflate(*body, MAX_WBITS, max_bytes, "deflate");
    if (zlib.ok() || zlib.status().code() != absl::StatusCode::kInvalidArgument) return zlib;
    return Inflate(*body, -MAX_WBITS, max_bytes, "deflate");
  }
  return absl::UnimplementedError(fmt::format(
      "Content-Encoding '{}' is not supported: send gzip, deflate or identity", encoding));
}

std::optional<ContentEncoding> ChooseEncoding(std::string_view accept_encoding) {
  bool gzip = false;
  bool deflate = false;
  std::string_view rest = accept_encoding;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view item = Trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const size_t semicolon = item.find(';');
    const std::string coding = Lower(Trim(item.substr(0, semicolon)));
    bool refused = false;
    if (semicolon != std::string_view::npos) {
      const std::string parameter = Lower(Trim(item.substr(semicolon + 1)));
      refused = parameter == "q=0" || parameter == "q=0.0" || parameter == "q=0.00" ||
                parameter == "q=0.000";
    }
    if (refused) continue;
    if (coding == "gzip" || coding == "x-gzip") gzip = true;
    if (coding == "deflate") deflate = true;
  }
  if (gzip) return ContentEncoding::kGzip;
  if (deflate) return ContentEncoding::kDeflate;
  return std::nullopt;
}

std::string_view EncodingName(ContentEncoding encoding) {
  return encoding == ContentEncoding::kGzip ? "gzip" : "deflate";
}

std::string Compress(std::string_view data, ContentEncoding encoding) {
  z_stream stream{};
  const int window_bits = encoding == ContentEncoding::kGzip ? 16 + MAX_WBITS : MAX_WBITS;
  // Level 1: replies are compressed on the I/O thread, where speed matters more than size.
  deflateInit2(&stream, 1, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

}  // namespace tensord::http
