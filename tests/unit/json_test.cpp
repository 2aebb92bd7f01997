#include "common/json.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/support/json_check.h"

namespace ackd {
namespace {

// The bytes a JSON string stands for under json_string's convention: each
// code point one byte (Latin-1).
std::optional<std::string> bytes_of(const std::string& literal) {
  auto code_points = test::decode_json_string(literal);
  if (!code_points) return std::nullopt;
  std::string bytes;
  for (char32_t c : *code_points) {
    if (c > 0xFF) return std::nullopt;
    bytes += static_cast<char>(c);
  }
  return bytes;
}

TEST(JsonString, Table) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "\"\""},
      {"hello world", "\"hello world\""},
      {"a\"b\\c/d", "\"a\\\"b\\\\c/d\""},
      {"line\nbreak\r\t", "\"line\\u000abreak\\u000d\\u0009\""},
      {std::string("nul\0", 4), "\"nul\\u0000\""},
      {"\x1f\x7f", "\"\\u001f\\u007f\""},
      {"caf\xc3\xa9", "\"caf\\u00c3\\u00a9\""},  // UTF-8 too: one escape per byte
      {"\xff\xfe", "\"\\u00ff\\u00fe\""},        // not UTF-8: the same, no loss
  };
  for (const auto& [input, expected] : cases) EXPECT_EQ(json_string(input), expected);
}

bool is_printable_ascii(const std::string& text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

// Whatever the bytes: valid JSON, plain ASCII, and every byte back.
void expect_valid_and_byte_preserving(const std::string& input) {
  std::string literal = json_string(input);
  EXPECT_TRUE(test::is_valid_json(literal)) << literal;
  EXPECT_TRUE(is_printable_ascii(literal)) << literal;
  EXPECT_EQ(bytes_of(literal), input) << literal;
}

TEST(JsonString, EveryByteAlone) {
  for (int byte = 0; byte < 256; ++byte) {
    expect_valid_and_byte_preserving(std::string(1, static_cast<char>(byte)));
  }
}

TEST(JsonString, RandomBytes) {
  std::mt19937 random(15);  // fixed seed: a failure is reproducible
  std::uniform_int_distribution<int> byte(0, 255), length(0, 64);
  for (int i = 0; i < 2000; ++i) {
    std::string input(static_cast<size_t>(length(random)), '\0');
    for (char& c : input) c = static_cast<char>(byte(random));
    expect_valid_and_byte_preserving(input);
  }
}

}  // namespace
}  // namespace ackd
