#include "client/message_input.h"

#include <gtest/gtest.h>

namespace ackd::client {
namespace {

struct SplitCase {
  std::string input;
  std::vector<std::string> messages;
};

class AckctlSplitMessagesTest : public testing::TestWithParam<SplitCase> {};

TEST_P(AckctlSplitMessagesTest, SplitsOnLf) {
  EXPECT_EQ(split_messages(GetParam().input), GetParam().messages);
}

INSTANTIATE_TEST_SUITE_P(
    Inputs, AckctlSplitMessagesTest,
    testing::Values(SplitCase{"", {""}},                      // empty input: one empty message
                    SplitCase{"\n", {""}},                    // one empty line
                    SplitCase{"hello", {"hello"}},            // final piece without LF
                    SplitCase{"hello\n", {"hello"}},          // LF ends, adds nothing
                    SplitCase{"a\nb", {"a", "b"}},            //
                    SplitCase{"a\nb\n", {"a", "b"}},          //
                    SplitCase{"a\n\nb\n", {"a", "", "b"}},    // empty line inside
                    SplitCase{"a\n\n", {"a", ""}},            // empty last line
                    SplitCase{"a\r\nb\r\n", {"a\r", "b\r"}},  // CR is part of the bytes
                    SplitCase{std::string("a\0b", 3), {std::string("a\0b", 3)}}));  // binary-safe

}  // namespace
}  // namespace ackd::client
