#include "repository/nesting_depth.h"

#include "fmt/format.h"

namespace tensord {

absl::Status CheckNestingDepth(std::string_view text, Syntax syntax, std::string_view source,
                               int max_depth) {
  const bool proto_text = syntax == Syntax::kProtoText;
  int depth = 0;
  char quote = 0;  // the quote of the string being skipped, 0 outside strings
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote != 0) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == quote) {
        quote = 0;
      }
      continue;
    }
    switch (c) {
      case '"':
        quote = c;
        break;
      case '\'':
        if (proto_text) quote = c;
        break;
      case '#':
        if (proto_text) {
          const size_t end = text.find('\n', i);
          i = end == std::string_view::npos ? text.size() : end;
        }
        break;
      case '<':
        if (!proto_text) break;
        [[fallthrough]];
      case '[':
      case '{':
        if (++depth > max_depth) {
          return absl::InvalidArgumentError(fmt::format(
              "{}: {}nested deeper than {} levels", source, proto_text ? "" : "JSON ", max_depth));
        }
        break;
      case '>':
        if (!proto_text) break;
        [[fallthrough]];
      case ']':
      case '}':
        if (depth > 0) --depth;  // unbalanced: the parser's error to report
        break;
      default:
        break;
    }
  }
  return absl::OkStatus();
}

}  // namespace tensord
