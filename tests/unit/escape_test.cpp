#include "common/escape.h"

#include <gtest/gtest.h>

namespace ackd {
namespace {

struct Case {
  std::string input;
  std::string expected;
};

TEST(EscapeForLog, Table) {
  const Case cases[] = {
      {"hello", "hello"},
      {"a\"b\\c", "a\\\"b\\\\c"},
      {"line\nfake 2026-01-01 ackd: forged", "line\\nfake 2026-01-01 ackd: forged"},
      {"cr\r", "cr\\r"},
      {"tab\t", "tab\\t"},
      {"\x1b[31mred", "\\e[31mred"},
      {std::string("nul\0", 4), "nul\\x00"},
      {"\x7f", "\\x7f"},
      {"caf\xc3\xa9", "caf\xc3\xa9"},            // valid UTF-8 stays
      {"\xe2\x82\xac", "\xe2\x82\xac"},          // euro sign
      {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},  // emoji
      {"\xff\xfe", "\\xff\\xfe"},                // invalid bytes
      {"\xc3", "\\xc3"},                         // truncated sequence
      {"\xc0\xaf", "\\xc0\\xaf"},                // overlong
      {"\xed\xa0\x80", "\\xed\\xa0\\x80"},       // surrogate
      {"\xe2\x80\xa8", "\\u{2028}"},             // line separator
      {"\xe2\x80\xae", "\\u{202e}"},             // right-to-left override
      {"\xc2\x85", "\\u{0085}"},                 // C1 next line
  };
  for (const Case& c : cases) {
    EXPECT_EQ(escape_for_log(c.input), c.expected) << "input: " << c.expected;
  }
}

TEST(EscapeForLog, OutputIsAlwaysOnePrintableLine) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  std::string out = escape_for_log(all);
  for (char c : out) {
    auto byte = static_cast<unsigned char>(c);
    EXPECT_TRUE(byte >= 0x20 && byte < 0x7f) << "byte " << int(byte);
  }
}

TEST(NeedsQuotesInLog, OnlyWhatCouldEndOrFakeABareField) {
  EXPECT_FALSE(needs_quotes_in_log("127.0.0.1:4000"));
  EXPECT_FALSE(needs_quotes_in_log("[::1]:4000"));
  EXPECT_FALSE(needs_quotes_in_log("unix:/run/ackd/ackd.sock"));
  EXPECT_FALSE(needs_quotes_in_log(""));
  EXPECT_TRUE(needs_quotes_in_log("unix:/tmp/my sock"));
  EXPECT_TRUE(needs_quotes_in_log("unix:/tmp/a=b"));
  EXPECT_TRUE(needs_quotes_in_log(escape_for_log("unix:/tmp/\"q")));
  EXPECT_TRUE(needs_quotes_in_log(escape_for_log("unix:/tmp/a\tb")));
  EXPECT_TRUE(needs_quotes_in_log("unix:/tmp/\xe3\x80\x80size"));  // U+3000, a wide space
}

}  // namespace
}  // namespace ackd
