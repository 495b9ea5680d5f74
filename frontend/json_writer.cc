#include "frontend/json_writer.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace tensord {
namespace {

// Length of the valid UTF-8 sequence starting at `s[0]` (2 to 4), or 0 when invalid.
size_t Utf8SequenceLength(std::string_view s) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto continuation = [&](size_t i, unsigned char low = 0x80, unsigned char high = 0xbf) {
    return i < s.size() && byte(i) >= low && byte(i) <= high;
  };
  const unsigned char lead = byte(0);
  if (lead >= 0xc2 && lead <= 0xdf) return continuation(1) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    const unsigned char low = lead == 0xe0 ? 0xa0 : 0x80;   // no overlong forms
    const unsigned char high = lead == 0xed ? 0x9f : 0xbf;  // no surrogates
    return continuation(1, low, high) && continuation(2) ? 3 : 0;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    const unsigned char low = lead == 0xf0 ? 0x90 : 0x80;   // no overlong forms
    const unsigned char high = lead == 0xf4 ? 0x8f : 0xbf;  // nothing past U+10FFFF
    return continuation(1, low, high) && continuation(2) && continuation(3) ? 4 : 0;
  }
  return 0;
}

template <typename T>
void AppendFloating(std::string& out, T value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value < 0 ? "-Infinity" : "Infinity";
  } else if (value == 0) {
    // "-0" would read back as the integer 0; "-0.0" keeps the sign.
    out += std::signbit(value) ? "-0.0" : "0";
  } else {
    char text[32];
    std::to_chars_result result = std::to_chars(text, text + sizeof(text), value);
    // Shortest form may be a long run of digits ("123456789012345680000"), which JSON
    // readers take as an integer that may not fit 64 bits; write those in exponent form.
    if (result.ptr - text > 16 &&
        std::all_of(text, result.ptr, [](char c) { return c == '-' || (c >= '0' && c <= '9'); })) {
      result = std::to_chars(text, text + sizeof(text), value, std::chars_format::scientific);
    }
    out.append(text, result.ptr);
  }
}

template <typename T>
void AppendInteger(std::string& out, T value) {
  char text[24];
  const std::to_chars_result result = std::to_chars(text, text + sizeof(text), value);
  out.append(text, result.ptr);
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t plain_from = 0;  // start of the run of bytes copied as they are
  size_t i = 0;
  while (i < value.size()) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const size_t length = Utf8SequenceLength(value.substr(i));
      if (length > 0) {
        i += length;
        continue;
      }
    }
    out.append(value.data() + plain_from, i - plain_from);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += "\\ufffd";  // a byte that is not valid UTF-8
        }
    }
    ++i;
    plain_from = i;
  }
  out.append(value.data() + plain_from, value.size() - plain_from);
  out += '"';
}

void AppendJsonNumber(std::string& out, int64_t value) { AppendInteger(out, value); }
void AppendJsonNumber(std::string& out, uint64_t value) { AppendInteger(out, value); }
void AppendJsonNumber(std::string& out, float value) { AppendFloating(out, value); }
void AppendJsonNumber(std::string& out, double value) { AppendFloating(out, value); }

void AppendJsonIntArray(std::string& out, std::span<const int64_t> values) {
  out += '[';
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonNumber(out, values[i]);
  }
  out += ']';
}

}  // namespace tensord
