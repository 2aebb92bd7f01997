#include "common/escape.h"

#include <cstdint>
#include <cstdio>

namespace ackd {
namespace {

void append_hex_byte(std::string& out, unsigned char byte) {
  char text[5];
  std::snprintf(text, sizeof(text), "\\x%02x", byte);
  out += text;
}

// Length of the valid UTF-8 sequence at s (2..4), and its code point; 0 if invalid.
size_t decode_utf8(std::string_view s, char32_t& code_point) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char lead = byte(0);
  size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
  if (length == 0 || lead > 0xF4 || s.size() < length) return 0;
  code_point = lead & (0x7F >> length);
  for (size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    code_point = (code_point << 6) | (byte(i) & 0x3F);
  }
  static constexpr char32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  bool overlong = code_point < kMinimum[length];
  bool surrogate = code_point >= 0xD800 && code_point <= 0xDFFF;
  if (overlong || surrogate || code_point > 0x10FFFF) return 0;
  return length;
}

// Code points that are valid but reorder, hide or break lines on display.
bool is_unsafe_code_point(char32_t c) {
  return (c >= 0x80 && c <= 0x9F) || c == 0x2028 || c == 0x2029 || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F || c == 0xFEFF;
}

}  // namespace

std::string escape_for_log(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + 8);
  for (size_t i = 0; i < bytes.size();) {
    auto byte = static_cast<unsigned char>(bytes[i]);
    if (byte >= 0x20 && byte < 0x7F) {
      if (byte == '\\' || byte == '"') out += '\\';
      out += static_cast<char>(byte);
      ++i;
      continue;
    }
    if (byte < 0x80) {
      switch (byte) {
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case 0x1B:
          out += "\\e";
          break;
        default:
          append_hex_byte(out, byte);
      }
      ++i;
      continue;
    }
    char32_t code_point = 0;
    size_t length = decode_utf8(bytes.substr(i), code_point);
    if (length == 0) {
      append_hex_byte(out, byte);
      ++i;
    } else if (is_unsafe_code_point(code_point)) {
      char text[16];
      std::snprintf(text, sizeof(text), "\\u{%04x}", static_cast<unsigned>(code_point));
      out += text;
      i += length;
    } else {
      out.append(bytes.substr(i, length));
      i += length;
    }
  }
  return out;
}

bool needs_quotes_in_log(std::string_view escaped) {
  // Escapes are read back only inside quotes; and a look-alike of a space or
  // '=' (U+3000, U+FF1D) must not read as one.
  for (char c : escaped) {
    if (c == ' ' || c == '=' || c == '"' || c == '\\' || static_cast<unsigned char>(c) >= 0x80) {
      return true;
    }
  }
  return false;
}

}  // namespace ackd
