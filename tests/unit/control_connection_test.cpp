#include "daemon/master/control_connection.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <string>

namespace ackd {
namespace {

using namespace std::chrono_literals;
using SteadyTime = SteadyTime;

// A connected unix stream pair: the server end non-blocking, as accepted.
struct Pair {
  UniqueFd server, client;
  Pair() {
    int fds[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    server.reset(fds[0]);
    client.reset(fds[1]);
    EXPECT_EQ(fcntl(server.get(), F_SETFL, O_NONBLOCK), 0);
  }
  void send_text(const std::string& text) const {
    ASSERT_EQ(send(client.get(), text.data(), text.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(text.size()));
  }
  std::string receive() const {
    std::string text;
    char buffer[65536];
    ssize_t n;
    while ((n = recv(client.get(), buffer, sizeof(buffer), MSG_DONTWAIT)) > 0) {
      text.append(buffer, static_cast<size_t>(n));
    }
    return text;
  }
};

TEST(ControlConnection, RequestLineMayComeInPieces) {
  Pair pair;
  SteadyTime start{};
  ControlConnection c(std::move(pair.server), start);
  EXPECT_EQ(c.poll_events(), POLLIN);
  EXPECT_EQ(c.deadline(), start + 1s);
  EXPECT_FALSE(c.read_request(start));  // nothing yet: no wait
  pair.send_text("sta");
  EXPECT_FALSE(c.read_request(start));
  pair.send_text("tus json\r\n");
  EXPECT_EQ(c.read_request(start), "status json");
  EXPECT_FALSE(c.done());
}

TEST(ControlConnection, EofEndsTheRequestOrTheConnection) {
  Pair with_words;
  ControlConnection c(std::move(with_words.server), SteadyTime{});
  with_words.send_text("stop");
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
  pair.send_text("stop");
  pair.client.reset();
  EXPECT_FALSE(c.read_request(SteadyTime{}));
  EXPECT_TRUE(c.done());
}

TEST(ControlConnection, OverlongRequestIsRefused) {
  Pair pair;
  ControlConnection c(std::move(pair.server), SteadyTime{});
  pair.send_text(std::string(ControlConnection::kMaxRequest + 1, 'x'));
  EXPECT_FALSE(c.read_request(SteadyTime{}));
  EXPECT_TRUE(c.done());
  EXPECT_EQ(pair.receive(), "ERR request longer than 256 bytes\n");
}

// A client that never reads: the reply goes out as far as the socket takes
// it, never blocking, and the rest waits for POLLOUT until the deadline.
TEST(ControlConnection, ReplyNeverBlocksOnAPeerThatDoesNotRead) {
  Pair pair;
  SteadyTime start{};
  ControlConnection c(std::move(pair.server), start);
  pair.send_text("status\n");
  ASSERT_EQ(c.read_request(start), "status");
  std::string big(8 << 20, 'r');  // far beyond any socket buffer
  auto before = std::chrono::steady_clock::now();
  c.reply(big, start + 100ms);
  EXPECT_LT(std::chrono::steady_clock::now() - before, 500ms);
  EXPECT_FALSE(c.done());
  EXPECT_EQ(c.poll_events(), POLLOUT);
  EXPECT_EQ(c.deadline(), start + 1100ms);
  std::string received = pair.receive();  // the peer reads some: more goes
  EXPECT_FALSE(received.empty());
  c.write_reply();
  EXPECT_FALSE(c.done());
  c.expire();
  EXPECT_TRUE(c.done());
}

TEST(ControlConnection, LateRequestGetsALastWord) {
  Pair pair;
  ControlConnection c(std::move(pair.server), SteadyTime{});
  pair.send_text("stat");
  EXPECT_FALSE(c.read_request(SteadyTime{}));
  c.expire();
  EXPECT_TRUE(c.done());
  EXPECT_EQ(pair.receive(), "ERR no complete request line within 1s\n");
}

TEST(ControlConnection, AwaitingHasNoDeadlineUntilAnswered) {
  Pair pair;
  ControlConnection c(std::move(pair.server), SteadyTime{});
  pair.send_text("reload\n");
  ASSERT_EQ(c.read_request(SteadyTime{}), "reload");
  c.await_reply("reload");
  EXPECT_TRUE(c.awaiting("reload"));
  EXPECT_FALSE(c.awaiting("upgrade"));
  EXPECT_EQ(c.poll_events(), 0);
  EXPECT_FALSE(c.deadline());
  c.reply("reloaded: generation 2, 1 worker(s)\n", SteadyTime{} + 5s);
  EXPECT_TRUE(c.done());
  EXPECT_EQ(pair.receive(), "reloaded: generation 2, 1 worker(s)\n");
}

}  // namespace
}  // namespace ackd
