#include "client/ack_lines.h"

#include <gtest/gtest.h>

#include <vector>

namespace ackd::client {
namespace {

struct LinesCase {
  std::vector<std::string> chunks;  // as recv() returned them
  std::vector<std::string> lines;
  std::string rest;
};

class AckctlAckLinesTest : public testing::TestWithParam<LinesCase> {};

TEST_P(AckctlAckLinesTest, CutsLinesAcrossChunks) {
  AckLines lines;
  std::vector<std::string> got;
  for (const auto& chunk : GetParam().chunks) {
    lines.append(chunk);
    while (auto line = lines.next()) got.push_back(*line);
  }
  EXPECT_EQ(got, GetParam().lines);
  EXPECT_EQ(lines.rest(), GetParam().rest);
}

INSTANTIATE_TEST_SUITE_P(
    Streams, AckctlAckLinesTest,
    testing::Values(LinesCase{{"I got your message\n"}, {"I got your message"}, ""},
                    LinesCase{
                        {"I got your message"}, {}, "I got your message"},  // the tutorial's, no LF
                    LinesCase{{"a\nb\n"}, {"a", "b"}, ""}, LinesCase{{"a", "\n", "b"}, {"a"}, "b"},
                    LinesCase{{"ok\r\n"}, {"ok"}, ""},      // CR before LF dropped
                    LinesCase{{"ok\r", "\n"}, {"ok"}, ""},  // even split across chunks
                    LinesCase{{"a\rb\n"}, {"a\rb"}, ""},    // a CR elsewhere stays
                    LinesCase{{"\n\n"}, {"", ""}, ""},      // empty acks
                    LinesCase{{"ERR message too long\n"}, {"ERR message too long"}, ""}));

}  // namespace
}  // namespace ackd::client
