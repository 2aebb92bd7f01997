#include "tests/support/json_check.h"

#include <cstdint>

namespace ackd::test {
namespace {

class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : text_(text) {}

  bool document() {
    skip_space();
    if (!value()) return false;
    skip_space();
    return pos_ == text_.size();
  }

  // One string literal and nothing else.
  std::optional<std::u32string> string_only() {
    std::u32string out;
    if (!string(&out) || pos_ != text_.size()) return std::nullopt;
    return out;
  }

 private:
  bool value(int depth = 0) {
    if (depth > 64 || pos_ >= text_.size()) return false;
    switch (text_[pos_]) {
      case '{':
        return members(depth);
      case '[':
        return elements(depth);
      case '"':
        return string(nullptr);
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default:
        return number();
    }
  }

  bool members(int depth) {
    ++pos_;
    skip_space();
    if (take('}')) return true;
    do {
      skip_space();
      if (!string(nullptr)) return false;
      skip_space();
      if (!take(':')) return false;
      skip_space();
      if (!value(depth + 1)) return false;
      skip_space();
    } while (take(','));
    return take('}');
  }

  bool elements(int depth) {
    ++pos_;
    skip_space();
    if (take(']')) return true;
    do {
      skip_space();
      if (!value(depth + 1)) return false;
      skip_space();
    } while (take(','));
    return take(']');
  }

  bool number() {
    take('-');
    if (take('0')) {
    } else if (!digits()) {
      return false;
    }
    if (take('.') && !digits()) return false;
    if (take('e') || take('E')) {
      if (!take('+')) take('-');
      if (!digits()) return false;
    }
    return true;
  }

  bool digits() {
    size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }

  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  // A string literal; its code points go to `out` if given.
  bool string(std::u32string* out) {
    if (!take('"')) return false;
    while (pos_ < text_.size()) {
      auto byte = static_cast<unsigned char>(text_[pos_]);
      char32_t c = 0;
      if (byte == '"') {
        ++pos_;
        return true;
      }
      if (byte < 0x20) return false;
      if (byte == '\\') {
        if (!escape(c)) return false;
      } else if (!utf8(c)) {
        return false;
      }
      if (out != nullptr) *out += c;
    }
    return false;
  }

  bool escape(char32_t& c) {
    ++pos_;
    if (pos_ >= text_.size()) return false;
    char kind = text_[pos_++];
    switch (kind) {
      case '"':
      case '\\':
      case '/':
        c = static_cast<char32_t>(kind);
        return true;
      case 'b':
        c = '\b';
        return true;
      case 'f':
        c = '\f';
        return true;
      case 'n':
        c = '\n';
        return true;
      case 'r':
        c = '\r';
        return true;
      case 't':
        c = '\t';
        return true;
      case 'u':
        return unicode_escape(c);
      default:
        return false;
    }
  }

  // \uXXXX, or a surrogate pair \uD8XX\uDCXX; a lone surrogate is refused.
  bool unicode_escape(char32_t& c) {
    if (!hex4(c)) return false;
    if (c >= 0xDC00 && c <= 0xDFFF) return false;
    if (c < 0xD800 || c > 0xDBFF) return true;
    char32_t low = 0;
    if (!literal("\\u") || !hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
    c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
    return true;
  }

  bool hex4(char32_t& c) {
    if (pos_ + 4 > text_.size()) return false;
    c = 0;
    for (int i = 0; i < 4; ++i) {
      char h = text_[pos_++];
      int digit = h >= '0' && h <= '9'   ? h - '0'
                  : h >= 'a' && h <= 'f' ? h - 'a' + 10
                  : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                         : -1;
      if (digit < 0) return false;
      c = c * 16 + static_cast<char32_t>(digit);
    }
    return true;
  }

  // One UTF-8 sequence, strictly: no overlong form, no surrogate.
  bool utf8(char32_t& c) {
    auto byte = [&](size_t i) { return static_cast<unsigned char>(text_[pos_ + i]); };
    unsigned char lead = byte(0);
    size_t length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    if ((lead >= 0x80 && lead < 0xC2) || lead > 0xF4 || pos_ + length > text_.size()) return false;
    c = length == 1 ? lead : lead & (0x7F >> length);
    for (size_t i = 1; i < length; ++i) {
      if ((byte(i) & 0xC0) != 0x80) return false;
      c = (c << 6) | (byte(i) & 0x3F);
    }
    static constexpr char32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < kMinimum[length] || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF) return false;
    pos_ += length;
    return true;
  }

  bool take(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

bool is_valid_json(std::string_view text) { return JsonParser(text).document(); }

std::optional<std::u32string> decode_json_string(std::string_view literal) {
  return JsonParser(literal).string_only();
}

}  // namespace ackd::test
