// PlainStream on a real socket pair: reads, the end of input, writes and the
// FIN, refusing input on a unix socket, what waits unread, and the client's
// name for the record.
#include "daemon/transport/plain_stream.h"
#include "tests/support/socket_pair.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace ackd {
namespace {

using Pair = test::SocketPair;

// An unnamed unix peer, as accept() reports a client that did not bind.
SocketAddress unnamed_unix_peer() {
  SocketAddress peer;
  peer.storage.ss_family = AF_UNIX;
  peer.length = sizeof(sa_family_t);
  return peer;
}

const std::string kListenerPath = "/run/ackd/test.sock";

TEST(PlainStream, ReadsWhatArrivedThenWouldBlockThenEnds) {
  Pair pair;
  PlainStream stream(std::move(pair.server), unnamed_unix_peer(), kListenerPath);
  char buffer[64];
  pair.client_sends("hello\n");
  IoResult read = stream.read(buffer);
  EXPECT_EQ(read.status, IoResult::kDone);
  EXPECT_EQ(std::string_view(buffer, read.bytes), "hello\n");
  EXPECT_EQ(stream.read(buffer).status, IoResult::kWouldBlock);
  shutdown(pair.client.get(), SHUT_WR);
  EXPECT_EQ(stream.read(buffer).status, IoResult::kEnd);
}

TEST(PlainStream, WritesThenEndsItsOutput) {
  Pair pair;
  PlainStream stream(std::move(pair.server), unnamed_unix_peer(), kListenerPath);
  IoResult written = stream.write("ack\n", /*fin_follows=*/true);
  EXPECT_EQ(written.status, IoResult::kDone);
  EXPECT_EQ(written.bytes, 4u);
  stream.shutdown_write();
  bool ended = false;
  EXPECT_EQ(pair.client_reads(&ended), "ack\n");
  EXPECT_TRUE(ended);
}

TEST(PlainStream, AFullSocketWouldBlock) {
  Pair pair;
  PlainStream stream(std::move(pair.server), unnamed_unix_peer(), kListenerPath);
  std::string big(1 << 16, 'x');
  IoResult written{IoResult::kDone};
  for (int i = 0; i < 1000 && written.status == IoResult::kDone; ++i) {
    written = stream.write(big, /*fin_follows=*/false);
  }
  EXPECT_EQ(written.status, IoResult::kWouldBlock);
}

TEST(PlainStream, AClosedPeerBreaksTheStream) {
  Pair pair;
  PlainStream stream(std::move(pair.server), unnamed_unix_peer(), kListenerPath);
  pair.client.reset();
  EXPECT_EQ(stream.write("ack\n", /*fin_follows=*/false).status, IoResult::kBroken);
}

TEST(PlainStream, RefusedInputFailsTheClientsNextSendOnAUnixSocket) {
  Pair pair;
  PlainStream stream(std::move(pair.server), unnamed_unix_peer(), kListenerPath);
  stream.refuse_input();
  EXPECT_LT(send(pair.client.get(), "x\n", 2, MSG_NOSIGNAL), 0);
  EXPECT_EQ(errno, EPIPE);
}

TEST(PlainStream, TellsAndDiscardsWhatWaitsUnread) {
  Pair pair;
  PlainStream stream(std::move(pair.server), unnamed_unix_peer(), kListenerPath);
  EXPECT_FALSE(stream.input_waiting());
  pair.client_sends("next\n");
  EXPECT_TRUE(stream.input_waiting());
  EXPECT_TRUE(stream.input_waiting());  // a peek: still there
  char scratch[2];
  stream.discard_input(scratch);
  EXPECT_FALSE(stream.input_waiting());
}

TEST(PlainStream, WatchesInputForReadingAndRoomForWriting) {
  Pair pair;
  PlainStream stream(std::move(pair.server), unnamed_unix_peer(), kListenerPath);
  EXPECT_EQ(stream.interest(true, false), static_cast<uint32_t>(EPOLLIN));
  EXPECT_EQ(stream.interest(true, true), static_cast<uint32_t>(EPOLLIN | EPOLLOUT));
  EXPECT_EQ(stream.interest(false, false), 0u);
  Readiness ready = stream.ready(EPOLLHUP);
  EXPECT_TRUE(ready.read);  // the read reports the hang-up
  EXPECT_FALSE(ready.write);
  EXPECT_TRUE(stream.ready(EPOLLOUT).write);
}

TEST(PlainStream, NamesTheClientByItsAddressOrTheListenersPath) {
  Pair unix_pair;
  PlainStream unix_stream(std::move(unix_pair.server), unnamed_unix_peer(), kListenerPath);
  EXPECT_EQ(unix_stream.peer(), "unix:/run/ackd/test.sock");
  Pair tcp_pair;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(4242);
  address.sin_addr.s_addr = htonl(0xC0000207);  // 192.0.2.7
  SocketAddress peer;
  std::memcpy(&peer.storage, &address, sizeof(address));
  peer.length = sizeof(address);
  PlainStream tcp_stream(std::move(tcp_pair.server), peer, kListenerPath);
  EXPECT_EQ(tcp_stream.peer(), "192.0.2.7:4242");
}

TEST(PlainStream, CloseClosesTheSocket) {
  Pair pair;
  PlainStream stream(std::move(pair.server), unnamed_unix_peer(), kListenerPath);
  int fd = stream.fd();
  stream.close();
  EXPECT_EQ(fcntl(fd, F_GETFD), -1);
  bool ended = false;
  pair.client_reads(&ended);
  EXPECT_TRUE(ended);
}

// For a layer that comes first on the socket (a PROXY header before TLS):
// peek leaves the bytes for the next read, release hands the socket over.
TEST(PlainStream, PeekLeavesTheBytesAndReleaseHandsTheSocketOver) {
  Pair pair;
  PlainStream stream(std::move(pair.server), unnamed_unix_peer(), kListenerPath);
  char buffer[64];
  EXPECT_EQ(stream.peek(buffer).status, IoResult::kWouldBlock);
  pair.client_sends("abc");
  IoResult peeked = stream.peek(buffer);
  ASSERT_EQ(peeked.status, IoResult::kDone);
  EXPECT_EQ(std::string_view(buffer, peeked.bytes), "abc");
  IoResult read = stream.read(std::span<char>(buffer, 2));
  EXPECT_EQ(std::string_view(buffer, read.bytes), "ab");
  int fd = stream.fd();
  UniqueFd released = stream.release();
  EXPECT_EQ(released.get(), fd);
  EXPECT_EQ(recv(released.get(), buffer, sizeof(buffer), 0), 1);  // "c": still there
  shutdown(pair.client.get(), SHUT_WR);
  PlainStream next(std::move(released), unnamed_unix_peer(), kListenerPath);
  EXPECT_EQ(next.peek(buffer).status, IoResult::kEnd);
}

}  // namespace
}  // namespace ackd
