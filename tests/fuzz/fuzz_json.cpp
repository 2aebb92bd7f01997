// Fuzzes json_string (common/json.h): whatever the bytes, the output is one
// JSON string literal of printable ASCII (valid JSON, and valid UTF-8, for
// any parser), and it decodes back to exactly the input under the
// documented convention (each code point is one byte).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "common/json.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_json: invariant violated: %s\n", what);
    __builtin_trap();
  }
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A JSON reader's view of the literal: its code points, each one byte.
std::string decode(std::string_view literal) {
  check(literal.size() >= 2 && literal.front() == '"' && literal.back() == '"', "not quoted");
  std::string_view body = literal.substr(1, literal.size() - 2);
  std::string out;
  for (size_t i = 0; i < body.size();) {
    char c = body[i];
    check(c >= 0x20 && c <= 0x7E, "a byte outside printable ASCII");
    check(c != '"', "an unescaped quote inside the string");
    if (c != '\\') {
      out += c;
      ++i;
      continue;
    }
    check(i + 1 < body.size(), "a dangling backslash");
    char kind = body[i + 1];
    if (kind == '"' || kind == '\\') {
      out += kind;
      i += 2;
      continue;
    }
    check(kind == 'u' && i + 6 <= body.size(), "an escape JSON does not have");
    int value = 0;
    for (size_t j = i + 2; j < i + 6; ++j) {
      int digit = hex_digit(body[j]);
      check(digit >= 0, "a \\u escape without four hex digits");
      value = value * 16 + digit;
    }
    check(value <= 0xFF, "a code point that is not one byte");
    out += static_cast<char>(value);
    i += 6;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  check(decode(ackd::json_string(input)) == input, "the bytes do not come back");
  return 0;
}
