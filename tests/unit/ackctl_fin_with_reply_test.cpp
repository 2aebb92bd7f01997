#include "client/fin_with_reply.h"

#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/unique_fd.h"

namespace ackd::client {
namespace {

struct Pair {
  UniqueFd client, server;
  Pair() {
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0) {
      client.reset(fds[0]);
      server.reset(fds[1]);
    }
  }
};

TEST(AckctlFinWithReply, TheWaitThatSawTheFinIsBelieved) {
  Pair pair;
  ASSERT_TRUE(pair.client);
  EXPECT_TRUE(fin_came_with_reply(pair.client.get(), EPOLLIN | EPOLLRDHUP, false));
}

// The TLS race that made a keep-alive client send into a closing
// connection: the wait woke for a session ticket (no FIN yet), the reply
// and the FIN came before SSL_read, which took them both.
TEST(AckctlFinWithReply, AStaleWaitIsCheckedAgainstTheSocket) {
  Pair pair;
  ASSERT_TRUE(pair.client);
  ASSERT_EQ(write(pair.server.get(), "ack\n", 4), 4);
  ASSERT_EQ(shutdown(pair.server.get(), SHUT_WR), 0);
  EXPECT_TRUE(fin_came_with_reply(pair.client.get(), EPOLLIN, true));
  EXPECT_FALSE(fin_came_with_reply(pair.client.get(), EPOLLIN, false))
      << "a wait that is never stale is trusted: no system call per exchange";
}

TEST(AckctlFinWithReply, AnOpenConnectionStaysOpen) {
  Pair pair;
  ASSERT_TRUE(pair.client);
  ASSERT_EQ(write(pair.server.get(), "ack\n", 4), 4);
  EXPECT_FALSE(fin_came_with_reply(pair.client.get(), EPOLLIN, true));
}

}  // namespace
}  // namespace ackd::client
