#include "daemon/master/control_connection.h"
#include "tests/support/socket_pair.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <string>

namespace ackd {
namespace {

using namespace std::chrono_literals;
using SteadyTime = SteadyTime;

using Pair = test::SocketPair;

TEST(ControlConnection, RequestLineMayComeInPieces) {
  Pair pair;
  SteadyTime start{};
  ControlConnection c(std::move(pair.server), start);
  EXPECT_EQ(c.poll_events(), POLLIN);
  EXPECT_EQ(c.deadline(), start + 1s);
  EXPECT_FALSE(c.read_request(start));  // nothing yet: no wait
  pair.client_sends("sta");
  EXPECT_FALSE(c.read_request(start));
  pair.client_sends("tus json\r\n");
  EXPECT_EQ(c.read_request(start), "status json");
  EXPECT_FALSE(c.done());
}

TEST(ControlConnection, EofEndsTheRequestOrTheConnection) {
  Pair with_words;
  ControlConnection c(std::move(with_words.server), SteadyTime{});
  with_words.client_sends("stop");
  shutdown(with_words.client.get(), SHUT_WR);
  EXPECT_EQ(c.read_request(SteadyTime{}), "stop");

  Pair silent;
  ControlConnection d(std::move(silent.server), SteadyTime{});
  silent.client.reset();
  EXPECT_FALSE(d.read_request(SteadyTime{}));
  EXPECT_TRUE(d.done());
}

// A client that closes with bytes it did not read resets the connection:
// what it sent of an unfinished line is not acted on (a partial "stop").
TEST(ControlConnection, ResetBeforeTheLineEndsIsNoRequest) {
  Pair pair;
  ControlConnection c(std::move(pair.server), SteadyTime{});
  ASSERT_EQ(send(c.fd(), "x", 1, MSG_NOSIGNAL), 1);  // never read by the client
  pair.client_sends("stop");
  pair.client.reset();
  EXPECT_FALSE(c.read_request(SteadyTime{}));
  EXPECT_TRUE(c.done());
}

TEST(ControlConnection, OverlongRequestIsRefused) {
  Pair pair;
  ControlConnection c(std::move(pair.server), SteadyTime{});
  pair.client_sends(std::string(ControlConnection::kMaxRequest + 1, 'x'));
  EXPECT_FALSE(c.read_request(SteadyTime{}));
  EXPECT_TRUE(c.done());
  EXPECT_EQ(pair.client_reads(), "ERR request longer than 256 bytes\n");
}

// A client that never reads: the reply goes out as far as the socket takes
// it, never blocking, and the rest waits for POLLOUT until the deadline.
TEST(ControlConnection, ReplyNeverBlocksOnAPeerThatDoesNotRead) {
  Pair pair;
  SteadyTime start{};
  ControlConnection c(std::move(pair.server), start);
  pair.client_sends("status\n");
  ASSERT_EQ(c.read_request(start), "status");
  std::string big(8 << 20, 'r');  // far beyond any socket buffer
  auto before = std::chrono::steady_clock::now();
  c.reply(big, start + 100ms);
  EXPECT_LT(std::chrono::steady_clock::now() - before, 500ms);
  EXPECT_FALSE(c.done());
  EXPECT_EQ(c.poll_events(), POLLOUT);
  EXPECT_EQ(c.deadline(), start + 1100ms);
  std::string received = pair.client_reads();  // the peer reads some: more goes
  EXPECT_FALSE(received.empty());
  c.write_reply();
  EXPECT_FALSE(c.done());
  c.expire();
  EXPECT_TRUE(c.done());
}

TEST(ControlConnection, LateRequestGetsALastWord) {
  Pair pair;
  ControlConnection c(std::move(pair.server), SteadyTime{});
  pair.client_sends("stat");
  EXPECT_FALSE(c.read_request(SteadyTime{}));
  c.expire();
  EXPECT_TRUE(c.done());
  EXPECT_EQ(pair.client_reads(), "ERR no complete request line within 1s\n");
}

TEST(ControlConnection, AwaitingHasNoDeadlineUntilAnswered) {
  Pair pair;
  ControlConnection c(std::move(pair.server), SteadyTime{});
  pair.client_sends("reload\n");
  ASSERT_EQ(c.read_request(SteadyTime{}), "reload");
  c.await_reply("reload");
  EXPECT_TRUE(c.awaiting("reload"));
  EXPECT_FALSE(c.awaiting("upgrade"));
  EXPECT_EQ(c.poll_events(), 0);
  EXPECT_FALSE(c.deadline());
  c.reply("reloaded: generation 2, 1 worker(s)\n", SteadyTime{} + 5s);
  EXPECT_TRUE(c.done());
  EXPECT_EQ(pair.client_reads(), "reloaded: generation 2, 1 worker(s)\n");
}

}  // namespace
}  // namespace ackd
