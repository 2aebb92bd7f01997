// Fuzzes escape_for_log (common/escape.h): whatever the bytes, the output is
// valid UTF-8 with no control byte, no DEL, no C1 control, no Unicode line
// separator and no bidi or invisible formatting code point, so it cannot
// break, forge or hide a log line; and it can be decoded back to the input
// (the escaping loses nothing and is unambiguous).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/escape.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_escape: invariant violated: %s\n", what);
    __builtin_trap();
  }
}

// Decodes the UTF-8 sequence at the start of s (strictly: no overlong form,
// no surrogate); returns its length, 0 if invalid.
size_t decode_utf8(std::string_view s, char32_t& c) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  size_t length = byte(0) < 0x80 ? 1 : byte(0) >= 0xF0 ? 4 : byte(0) >= 0xE0 ? 3 : 2;
  if (byte(0) >= 0x80 && byte(0) < 0xC2) return 0;
  if (byte(0) > 0xF4 || s.size() < length) return 0;
  c = length == 1 ? byte(0) : byte(0) & (0x7F >> length);
  for (size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    c = (c << 6) | (byte(i) & 0x3F);
  }
  static constexpr char32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (c < kMinimum[length] || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF) return 0;
  return length;
}

bool is_forbidden(char32_t c) {
  return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || c == 0x2028 || c == 0x2029 ||
         (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E ||
         c == 0x200F || c == 0xFEFF;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | c >> 6);
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | c >> 12);
    out += static_cast<char>(0x80 | (c >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | c >> 18);
    out += static_cast<char>(0x80 | (c >> 12 & 0x3F));
    out += static_cast<char>(0x80 | (c >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

// The inverse of escape_for_log, as a reader of the log would apply it.
std::string unescape(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text[i] != '\\') {
      out += text[i++];
      continue;
    }
    check(i + 1 < text.size(), "dangling backslash");
    char kind = text[i + 1];
    i += 2;
    switch (kind) {
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'e':
        out += '\x1b';
        break;
      case '\\':
        out += '\\';
        break;
      case '"':
        out += '"';
        break;
      case 'x': {
        check(i + 2 <= text.size(), "short \\x escape");
        std::string hex(text.substr(i, 2));
        out += static_cast<char>(std::strtoul(hex.c_str(), nullptr, 16));
        i += 2;
        break;
      }
      case 'u': {
        size_t close = text.find('}', i);
        check(i < text.size() && text[i] == '{' && close != std::string_view::npos,
              "bad \\u{} escape");
        std::string hex(text.substr(i + 1, close - i - 1));
        append_utf8(out, static_cast<char32_t>(std::strtoul(hex.c_str(), nullptr, 16)));
        i = close + 1;
        break;
      }
      default:
        check(false, "unknown escape");
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string output = ackd::escape_for_log(input);
  std::string_view rest = output;
  while (!rest.empty()) {
    char32_t c = 0;
    size_t length = decode_utf8(rest, c);
    check(length != 0, "output is not valid UTF-8");
    check(!is_forbidden(c), "output holds a control, separator or bidi code point");
    rest.remove_prefix(length);
  }
  check(unescape(output) == input, "escaping is not reversible");
  return 0;
}
