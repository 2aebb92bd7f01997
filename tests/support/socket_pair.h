// SocketPair: a connected unix stream pair for unit tests of what serves a
// connection: the server end non-blocking, as accepted; the client end
// sends and reads what the server wrote.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <string>
#include <string_view>

#include "common/unique_fd.h"

namespace ackd::test {

struct SocketPair {
  UniqueFd server, client;
  SocketPair() {
    int fds[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    server.reset(fds[0]);
    client.reset(fds[1]);
    EXPECT_EQ(fcntl(server.get(), F_SETFL, O_NONBLOCK), 0);
  }
  void client_sends(std::string_view text) const {
    ASSERT_EQ(send(client.get(), text.data(), text.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(text.size()));
  }
  // What the client can read now, and whether the server's output has ended.
  std::string client_reads(bool* ended = nullptr) const {
    std::string text;
    char buffer[65536];
    ssize_t n;
    while ((n = recv(client.get(), buffer, sizeof(buffer), MSG_DONTWAIT)) > 0) {
      text.append(buffer, static_cast<size_t>(n));
    }
    if (ended != nullptr) *ended = n == 0;
    return text;
  }
};

}  // namespace ackd::test
