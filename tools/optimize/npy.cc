#include "tools/optimize/npy.h"

#include <array>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>

#include "fmt/format.h"

namespace tensord::optimize {
namespace {

constexpr std::string_view kMagic = "\x93NUMPY";

// numpy's descr strings for the types tensord serves ('|' for one-byte types).
constexpr std::array<std::pair<std::string_view, DataType>, 12> kDescrs = {{
    {"<f4", DataType::kFp32},
    {"<f8", DataType::kFp64},
    {"<f2", DataType::kFp16},
    {"<i8", DataType::kInt64},
    {"<i4", DataType::kInt32},
    {"<i2", DataType::kInt16},
    {"|i1", DataType::kInt8},
    {"|u1", DataType::kUint8},
    {"<u2", DataType::kUint16},
    {"<u4", DataType::kUint32},
    {"<u8", DataType::kUint64},
    {"|b1", DataType::kBool},
}};

absl::Status Bad(const std::filesystem::path& path, std::string_view why) {
  return absl::InvalidArgumentError(fmt::format("{}: {}", path.string(), why));
}

// The text of a header field's value: 'descr': '<f4' gives <f4; 'shape': (3, 4) gives 3, 4.
std::string_view FieldValue(std::string_view header, std::string_view key, char open, char close) {
  const size_t at = header.find(fmt::format("'{}'", key));
  if (at == std::string_view::npos) return {};
  const size_t start = header.find(open, at + key.size() + 2);
  if (start == std::string_view::npos) return {};
  const size_t end = header.find(close, start + 1);
  if (end == std::string_view::npos) return {};
  return header.substr(start + 1, end - start - 1);
}

absl::StatusOr<std::vector<int64_t>> ParseShape(std::string_view text) {
  std::vector<int64_t> shape;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',')) ++i;
    if (i == text.size()) break;
    int64_t value = 0;
    size_t digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      value = value * 10 + (text[i] - '0');
      if (value > (int64_t{1} << 40)) return absl::InvalidArgumentError("dimension too large");
      ++i;
      ++digits;
    }
    if (digits == 0) return absl::InvalidArgumentError("not a shape");
    shape.push_back(value);
  }
  return shape;
}

}  // namespace

absl::StatusOr<NpyArray> ReadNpy(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(fmt::format("{}: cannot open", path.string()));
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || std::string_view(bytes).substr(0, 6) != kMagic) {
    return Bad(path, "not a .npy file (no \\x93NUMPY magic)");
  }
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len = 0;
  size_t offset = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | static_cast<unsigned char>(bytes[9]) << 8;
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return Bad(path, "truncated header");
    for (int i = 3; i >= 0; --i)
      header_len = header_len << 8 | static_cast<unsigned char>(bytes[8 + i]);
    offset = 12;
  } else {
    return Bad(path, fmt::format("unsupported .npy version {}", major));
  }
  if (offset + header_len > bytes.size()) return Bad(path, "truncated header");
  const std::string_view header = std::string_view(bytes).substr(offset, header_len);
  const std::string_view descr = FieldValue(header, "descr", '\'', '\'');
  if (header.find("'fortran_order': True") != std::string_view::npos) {
    return Bad(path, "Fortran-order arrays are not supported; save a C-order array");
  }
  NpyArray array;
  for (const auto& [name, type] : kDescrs) {
    if (descr == name) array.datatype = type;
  }
  if (array.datatype == DataType::kInvalid) {
    return Bad(path, fmt::format("unsupported dtype '{}'", descr));
  }
  absl::StatusOr<std::vector<int64_t>> shape = ParseShape(FieldValue(header, "shape", '(', ')'));
  if (!shape.ok()) return Bad(path, "unreadable shape in the header");
  array.shape = *std::move(shape);
  size_t count = 1;
  for (int64_t d : array.shape) count *= static_cast<size_t>(d);
  const size_t size = count * DataTypeByteSize(array.datatype);
  const size_t data_start = offset + header_len;
  if (bytes.size() - data_start != size) {
    return Bad(path, fmt::format("holds {} data bytes; its header says {}",
                                 bytes.size() - data_start, size));
  }
  const auto* begin = reinterpret_cast<const std::byte*>(bytes.data() + data_start);
  array.data.assign(begin, begin + size);
  return array;
}

absl::Status WriteNpy(const std::filesystem::path& path, DataType datatype,
                      const std::vector<int64_t>& shape, std::span<const std::byte> bytes) {
  std::string_view descr;
  for (const auto& [name, type] : kDescrs) {
    if (type == datatype) descr = name;
  }
  if (descr.empty()) {
    return absl::InvalidArgumentError(fmt::format("{}: datatype {} cannot be written as .npy",
                                                  path.string(), DataTypeName(datatype)));
  }
  std::string dims;  // "3," for one dimension (a Python tuple), "3, 4" for more
  for (size_t i = 0; i < shape.size(); ++i) dims += fmt::format("{}{}", i ? ", " : "", shape[i]);
  if (shape.size() == 1) dims += ",";
  std::string header =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", descr, dims);
  // The data starts on a 64-byte boundary; the header ends with a newline.
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::ofstream out(path, std::ios::binary);
  if (!out) return absl::PermissionDeniedError(fmt::format("{}: cannot write", path.string()));
  out.write(kMagic.data(), kMagic.size());
  const char version_and_len[4] = {1, 0, static_cast<char>(header.size() & 0xff),
                                   static_cast<char>(header.size() >> 8)};
  out.write(version_and_len, 4);
  out << header;
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) return absl::DataLossError(fmt::format("{}: write failed", path.string()));
  return absl::OkStatus();
}

}  // namespace tensord::optimize
