// Appending JSON values to a std::string, fast: numbers with std::to_chars (shortest text
// that reads back to the same value), strings escaped in one pass.
//
//   std::string out;
//   AppendJsonString(out, "caf\xc3\xa9 \x01");   // "café \u0001"
//   out += ',';
//   AppendJsonNumber(out, 0.1f);                   // 0.1
//
// JSON has no NaN or infinity; like Python's json module (which requests and json.loads
// read back) we write NaN, Infinity and -Infinity.
//
// Strings are bytes (BYTES tensors hold anything); JSON text must be UTF-8. Valid UTF-8
// is copied as is; every byte that does not start a valid UTF-8 sequence is written as
// \ufffd (the replacement character), so the document always parses. Clients that need
// the exact bytes ask for binary output (binary_data).
#pragma once

#include <cstdint>
#include <string>
#include <span>
#include <string_view>

namespace tensord {

void AppendJsonString(std::string& out, std::string_view value);

void AppendJsonNumber(std::string& out, int64_t value);
void AppendJsonNumber(std::string& out, uint64_t value);
void AppendJsonNumber(std::string& out, float value);
void AppendJsonNumber(std::string& out, double value);

inline void AppendJsonBool(std::string& out, bool value) { out += value ? "true" : "false"; }

// [1,-1,3]: a shape or dims.
void AppendJsonIntArray(std::string& out, std::span<const int64_t> values);

}  // namespace tensord
