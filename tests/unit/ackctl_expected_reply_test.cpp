#include "client/expected_reply.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ackd::client {
namespace {

using Step = ExpectedReply::Step;

// Feeds `chunks` in order; the step after the last (or the first kWrong).
Step feed_all(const ExpectedReply& expected, const std::vector<std::string>& chunks,
              uint32_t* progress_out = nullptr) {
  uint32_t progress = 0;
  Step step = Step::kMore;
  for (const std::string& chunk : chunks) {
    step = expected.feed(progress, chunk);
    if (step != Step::kMore) break;
  }
  if (progress_out != nullptr) *progress_out = progress;
  return step;
}

TEST(AckctlExpectedReplyTest, TheLineInAnyPieces) {
  ExpectedReply ack("I got your message");
  EXPECT_EQ(feed_all(ack, {"I got your message\n"}), Step::kDone);
  EXPECT_EQ(feed_all(ack, {"I got", " your mess", "age", "\n"}), Step::kDone);
  EXPECT_EQ(feed_all(ack, {"I got your message\r\n"}), Step::kDone);
  EXPECT_EQ(feed_all(ack, {"I got your message\r", "\n"}), Step::kDone);
  EXPECT_EQ(feed_all(ack, {"I got your message"}), Step::kMore);
}

TEST(AckctlExpectedReplyTest, AnythingElseIsWrong) {
  ExpectedReply ack("I got your message");
  EXPECT_EQ(feed_all(ack, {"ERR message too long\n"}), Step::kWrong);
  EXPECT_EQ(feed_all(ack, {"I got your", " messagE\n"}), Step::kWrong);
  EXPECT_EQ(feed_all(ack, {"I got your message!\n"}), Step::kWrong);
  EXPECT_EQ(feed_all(ack, {"I got your message\r\r\n"}), Step::kWrong);
  // Two lines for one message.
  EXPECT_EQ(feed_all(ack, {"I got your message\nI got your message\n"}), Step::kWrong);
  EXPECT_EQ(feed_all(ack, {"I got\n"}), Step::kWrong);
}

// The tutorial's server answers without LF, then closes.
TEST(AckctlExpectedReplyTest, TheTextEndedByEof) {
  ExpectedReply ack("I got your message");
  uint32_t progress = 0;
  EXPECT_EQ(feed_all(ack, {"I got your message"}, &progress), Step::kMore);
  EXPECT_TRUE(ack.done_at_eof(progress));
  EXPECT_EQ(feed_all(ack, {"I got your"}, &progress), Step::kMore);
  EXPECT_FALSE(ack.done_at_eof(progress));
  EXPECT_FALSE(ack.done_at_eof(0));
}

// --expect echo: the text is the message, any bytes but LF.
TEST(AckctlExpectedReplyTest, AnEchoOfAnyBytes) {
  std::string message("ERR \0\r\xff x", 9);
  ExpectedReply echo(message);
  EXPECT_EQ(feed_all(echo, {message + "\n"}), Step::kDone);
  EXPECT_EQ(feed_all(echo, {message.substr(0, 5), message.substr(5), "\n"}), Step::kDone);
  EXPECT_EQ(feed_all(echo, {"ERR message too long\n"}), Step::kWrong);
  // A message of just its LF (--size 1) echoes as an empty line, not as nothing.
  ExpectedReply empty("");
  EXPECT_EQ(feed_all(empty, {"\n"}), Step::kDone);
  EXPECT_FALSE(empty.done_at_eof(0));
}

TEST(AckctlExpectedReplyTest, Datagrams) {
  ExpectedReply ack("I got your message");
  EXPECT_TRUE(ack.matches_datagram("I got your message"));
  EXPECT_TRUE(ack.matches_datagram("I got your message\n"));
  EXPECT_TRUE(ack.matches_datagram("I got your message\r\n"));
  EXPECT_FALSE(ack.matches_datagram("I got your message\n\n"));
  EXPECT_FALSE(ack.matches_datagram("ERR message too long"));
  // The echo of a datagram is the datagram, whatever it ends with.
  ExpectedReply echo("two\nlines\n");
  EXPECT_TRUE(echo.matches_datagram("two\nlines\n"));
  EXPECT_FALSE(echo.matches_datagram("two\nlines"));
}

}  // namespace
}  // namespace ackd::client
