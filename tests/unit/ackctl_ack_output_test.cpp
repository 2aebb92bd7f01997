#include "client/ack_output.h"

#include <gtest/gtest.h>

#include "client/client_error.h"
#include "client/exit_codes.h"

namespace ackd::client {
namespace {

TEST(AckctlAckOutputTest, ErrorAcks) {
  EXPECT_TRUE(is_error_ack("ERR message too long"));
  EXPECT_FALSE(is_error_ack("I got your message"));
  EXPECT_FALSE(is_error_ack("ERROR"));  // only the protocol's "ERR " prefix
  EXPECT_FALSE(is_error_ack(""));
}

TEST(AckctlAckOutputTest, PrintsAnAckAsALine) {
  testing::internal::CaptureStdout();
  print_ack("I got your message");
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "I got your message\n");
}

TEST(AckctlAckOutputTest, ErrorAckIsAProtocolError) {
  try {
    print_ack("ERR message too long");
    FAIL() << "no error";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.exit_code(), kExitProtocol);
    EXPECT_STREQ(e.what(), "server error: ERR message too long");
  }
}

}  // namespace
}  // namespace ackd::client
