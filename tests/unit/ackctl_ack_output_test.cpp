#include "client/ack_output.h"

#include <gtest/gtest.h>

#include "client/client_error.h"
#include "client/exit_codes.h"

namespace ackd::client {
namespace {

TEST(AckctlAckOutputTest, ErrorReplies) {
  EXPECT_TRUE(is_error_reply("ERR message too long", "hello"));
  EXPECT_FALSE(is_error_reply("I got your message", "hello"));
  EXPECT_FALSE(is_error_reply("ERROR", "hello"));  // only the protocol's "ERR " prefix
  EXPECT_FALSE(is_error_reply("", "hello"));
}

// An echo service sends the message back: "ERR x" sent, "ERR x" received
// is the echo, not the server refusing it.
TEST(AckctlAckOutputTest, TheEchoOfAnErrLookAlikeIsNoError) {
  EXPECT_FALSE(is_error_reply("ERR not an error", "ERR not an error"));
  EXPECT_FALSE(is_error_reply("ERR x", "ERR x\r"));  // a stream drops the CR before the LF
  EXPECT_TRUE(is_error_reply("ERR message too long", "ERR x"));
  EXPECT_TRUE(is_error_reply("ERR not stored", "ERR x"));
}

TEST(AckctlAckOutputTest, PrintsAReplyAsALine) {
  testing::internal::CaptureStdout();
  print_reply("I got your message", "hello");
  print_reply("ERR echoed", "ERR echoed");
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "I got your message\nERR echoed\n");
}

TEST(AckctlAckOutputTest, ErrorReplyIsAProtocolError) {
  try {
    print_reply("ERR message too long", "hello");
    FAIL() << "no error";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.exit_code(), kExitProtocol);
    EXPECT_STREQ(e.what(), "server error: ERR message too long");
  }
}

}  // namespace
}  // namespace ackd::client
