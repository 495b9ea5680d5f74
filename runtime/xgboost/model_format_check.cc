#include "runtime/xgboost/model_format_check.h"

#include <cctype>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "runtime/xgboost/binary_model_check.h"
#include "runtime/xgboost/json_text.h"
#include "runtime/xgboost/model_integrity.h"

namespace tensord::runtime::xgboost {
namespace {

// Why a check failed, and where.
struct Problem {
  std::string what;
  size_t offset = 0;
};

std::optional<Problem> CheckJsonNesting(std::string_view bytes) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxModelNesting) {
        return Problem{fmt::format("JSON nested deeper than {} levels", kMaxModelNesting), i};
      }
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return std::nullopt;
}

// A bounds-checked walk over UBJSON as XGBoost 1.7's UBJReader reads it: strings and counts
// are 'L' + big-endian int64; typed arrays are '[' '$' type '#' 'L' count; arrays may also
// be counted ('[' '#' 'L' count) or end with ']'; objects are (string value)* '}'.
class UbjWalker {
 public:
  explicit UbjWalker(std::string_view bytes) : bytes_(bytes) {}

  std::optional<Problem> Check() {
    if (!Value(0)) return problem_;
    return std::nullopt;
  }

 private:
  bool Fail(std::string what) {
    problem_ = Problem{std::move(what), pos_};
    return false;
  }
  size_t Left() const { return bytes_.size() - pos_; }
  bool Skip(uint64_t count, std::string_view what) {
    if (count > Left()) {
      return Fail(fmt::format("{} needs {} bytes but the file ends after {}", what, count, Left()));
    }
    pos_ += count;
    return true;
  }
  bool Next(char& c) {
    if (Left() == 0) return Fail("the file ends in the middle of a value");
    c = bytes_[pos_++];
    return true;
  }
  bool Expect(char expected) {
    char c = 0;
    if (!Next(c)) return false;
    if (c != expected) {
      --pos_;
      return Fail(fmt::format("expected '{}'", expected));
    }
    return true;
  }
  // 'L' then a big-endian int64 that must be >= 0.
  bool Count(int64_t& count) {
    if (!Expect('L')) return false;
    if (Left() < 8) return Fail("a length runs past the end of the file");
    uint64_t value = 0;
    for (int i = 0; i < 8; ++i) value = (value << 8) | static_cast<uint8_t>(bytes_[pos_++]);
    count = static_cast<int64_t>(value);
    if (count < 0) return Fail(fmt::format("negative length {}", count));
    return true;
  }
  bool String() {
    int64_t size = 0;
    return Count(size) && Skip(static_cast<uint64_t>(size), "a string");
  }

  bool Object(int depth) {
    while (true) {
      if (Left() == 0) return Fail("an object is not closed");
      if (bytes_[pos_] == '}') {
        ++pos_;
        return true;
      }
      if (!String() || !Value(depth)) return false;
    }
  }

  bool Array(int depth) {
    if (Left() > 0 && bytes_[pos_] == '$') {
      ++pos_;
      char type = 0;
      if (!Next(type)) return false;
      uint64_t size = 0;
      switch (type) {
        case 'U':
        case 'i':
          size = 1;
          break;
        case 'd':
        case 'l':
          size = 4;
          break;
        case 'L':
          size = 8;
          break;
        default:
          --pos_;
          return Fail(fmt::format("typed array of unknown type '{}'", type));
      }
      int64_t count = 0;
      if (!Expect('#') || !Count(count)) return false;
      if (static_cast<uint64_t>(count) > Left() / size) {
        return Fail(
            fmt::format("a typed array of {} elements runs past the end of the file", count));
      }
      pos_ += count * size;
      return true;
    }
    if (Left() > 0 && bytes_[pos_] == '#') {
      ++pos_;
      int64_t count = 0;
      if (!Count(count)) return false;
      if (static_cast<uint64_t>(count) > Left()) {  // every value takes at least a byte
        return Fail(fmt::format("an array of {} elements runs past the end of the file", count));
      }
      for (int64_t i = 0; i < count; ++i) {
        if (!Value(depth)) return false;
      }
      return true;
    }
    while (true) {
      if (Left() == 0) return Fail("an array is not closed");
      if (bytes_[pos_] == ']') {
        ++pos_;
        return true;
      }
      if (!Value(depth)) return false;
    }
  }

  bool Value(int depth) {
    if (depth >= kMaxModelNesting) {
      return Fail(fmt::format("UBJSON nested deeper than {} levels", kMaxModelNesting));
    }
    char marker = 0;
    if (!Next(marker)) return false;
    switch (marker) {
      case '{':
        return Object(depth + 1);
      case '[':
        return Array(depth + 1);
      case 'Z':
      case 'T':
      case 'F':
        return true;
      case 'S':
        return String();
      case 'i':
      case 'U':
      case 'C':
        return Skip(1, "a number");
      case 'I':
        return Skip(2, "a number");
      case 'l':
      case 'd':
        return Skip(4, "a number");
      case 'L':
      case 'D':
        return Skip(8, "a number");
      default:
        --pos_;
        return Fail(fmt::format("unknown UBJSON marker 0x{:02x}", static_cast<uint8_t>(marker)));
    }
  }

  std::string_view bytes_;
  size_t pos_ = 0;
  Problem problem_;
};

using Format = ModelFormat;

}  // namespace

ModelFormat SniffModelFormat(std::string_view bytes, std::string_view extension) {
  if (extension == ".json") return Format::kJson;
  if (extension == ".ubj") return Format::kUbjson;
  if (bytes.size() >= 2 && bytes[0] == '{') {
    return std::isalpha(static_cast<unsigned char>(bytes[1])) ? Format::kUbjson : Format::kJson;
  }
  return Format::kBinary;
}

absl::Status CheckModelFormat(std::string_view bytes, std::string_view extension,
                              std::string_view path) {
  std::optional<Problem> problem;
  const Format format = SniffModelFormat(bytes, extension);
  switch (format) {
    case Format::kJson:
      problem = CheckJsonNesting(bytes);
      break;
    case Format::kUbjson:
      problem = UbjWalker(bytes).Check();
      break;
    case Format::kBinary:
      return CheckBinaryModel(bytes, path);
  }
  if (problem) {
    return absl::InvalidArgumentError(
        fmt::format("cannot load XGBoost model '{}': the file is corrupt: {} at byte {}", path,
                    problem->what, problem->offset));
  }
  // Safe to parse now: nesting is bounded and (UBJSON) every length is inside the file.
  const nlohmann::json document =
      format == Format::kJson
          ? nlohmann::json::parse(StrictJson(bytes), nullptr, /*allow_exceptions=*/false)
          : nlohmann::json::from_ubjson(bytes, /*strict=*/false, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    // Never let XGBoost read what a strict parser refuses: its readers trust the file.
    return absl::InvalidArgumentError(
        fmt::format("cannot load XGBoost model '{}': the file is corrupt: not valid {}", path,
                    format == Format::kJson ? "JSON" : "UBJSON"));
  }
  return CheckModelDocument(document, path);
}

absl::StatusOr<ModelFormat> CheckModelFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(fmt::format("cannot read XGBoost model '{}'", path.string()));
  }
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    return absl::NotFoundError(fmt::format("cannot read XGBoost model '{}'", path.string()));
  }
  const std::string extension = path.extension().string();
  if (absl::Status s = CheckModelFormat(bytes, extension, path.string()); !s.ok()) return s;
  return SniffModelFormat(bytes, extension);
}

}  // namespace tensord::runtime::xgboost
