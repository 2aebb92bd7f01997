// The wire protocol of SPEC.md, through every listener kind, in both
// process modes, against the real ackd.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstring>

#include "tests/support/daemon.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;
constexpr auto kTimeout = 5s;
const std::string kAck = "I got your message";

std::string config_text(const std::string& mode, uint16_t port, const std::string& dir,
                        const std::string& extra_tcp = "") {
  return "[daemon]\nmode = \"" + mode +
         "\"\nworkers = 2\nshutdown_timeout = \"3s\"\n"
         "[[listener]]\nname = \"tcp\"\nprotocol = \"tcp\"\naddress = \"127.0.0.1:" +
         std::to_string(port) + "\"\n" + extra_tcp +
         "[[listener]]\nname = \"udp\"\nprotocol = \"udp\"\naddress = \"127.0.0.1:" +
         std::to_string(port) +
         "\"\n"
         "[[listener]]\nname = \"local\"\nprotocol = \"unix\"\npath = \"" +
         dir +
         "/s\"\n"
         "[[listener]]\nname = \"gram\"\nprotocol = \"unixgram\"\npath = \"" +
         dir + "/g\"\n";
}

// One datagram to `to`, and the reply (empty if none within the timeout).
std::string datagram_exchange(int fd, const sockaddr* to, socklen_t length, std::string_view msg,
                              std::chrono::milliseconds timeout = kTimeout) {
  sendto(fd, msg.data(), msg.size(), 0, to, length);
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return "";
  char buffer[70000];
  ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
  return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "";
}

std::string udp_exchange(uint16_t port, std::string_view msg) {
  UniqueFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return datagram_exchange(fd.get(), reinterpret_cast<sockaddr*>(&to), sizeof(to), msg);
}

// The socket's pending error (SO_ERROR) once there is one, or 0 after `wait`.
int socket_error_within(int fd, std::chrono::milliseconds wait) {
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (true) {
    int error = 0;
    socklen_t length = sizeof(error);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0 || std::chrono::steady_clock::now() >= deadline) return error;
    poll(nullptr, 0, 10);
  }
}

sockaddr_un unix_address(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  return address;
}

std::string unixgram_exchange(const std::string& server, const std::string& client,
                              std::string_view msg, bool bind_client = true) {
  UniqueFd fd(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (bind_client) {
    // Run as root, the daemon's workers are "nobody": let them reach us.
    std::string dir = client.substr(0, client.rfind('/'));
    chmod(dir.c_str(), 0755);
    sockaddr_un self = unix_address(client);
    bind(fd.get(), reinterpret_cast<sockaddr*>(&self), sizeof(self));
    chmod(client.c_str(), 0666);
  }
  sockaddr_un to = unix_address(server);
  return datagram_exchange(fd.get(), reinterpret_cast<sockaddr*>(&to), sizeof(to), msg,
                           bind_client ? kTimeout : 300ms);
}

std::string acks(int count) {
  std::string text;
  for (int i = 0; i < count; ++i) text += kAck + "\n";
  return text;
}

class Protocol : public ::testing::TestWithParam<const char*> {
 protected:
  void start(const std::string& extra_tcp = "") {
    port_ = free_port();
    scratch_ = std::make_unique<TempDir>();
    daemon_ = std::make_unique<Daemon>(config_text(GetParam(), port_, scratch_->path(), extra_tcp));
  }
  std::string stream_path() const { return scratch_->path() + "/s"; }
  std::string gram_path() const { return scratch_->path() + "/g"; }

  uint16_t port_ = 0;
  std::unique_ptr<TempDir> scratch_;
  std::unique_ptr<Daemon> daemon_;
};

TEST_P(Protocol, TcpManyMessagesOnOneConnectionInOrder) {
  start();
  UniqueFd fd = connect_tcp(port_);
  send_all(fd.get(), "one\ntwo\r\nthree\n");
  shutdown(fd.get(), SHUT_WR);
  EXPECT_EQ(read_until_eof(fd.get(), kTimeout), acks(3));
}

TEST_P(Protocol, TcpEofFragmentIsAcked) {
  start();
  UniqueFd fd = connect_tcp(port_);
  send_all(fd.get(), "first\nfragment");
  shutdown(fd.get(), SHUT_WR);
  EXPECT_EQ(read_until_eof(fd.get(), kTimeout), acks(2));
}

TEST_P(Protocol, TcpKeepAliveAcksEachMessageAsItComes) {
  start();
  UniqueFd fd = connect_tcp(port_);
  for (int i = 0; i < 5; ++i) {
    send_all(fd.get(), "message " + std::to_string(i) + "\n");
    EXPECT_EQ(read_line(fd.get(), kTimeout), kAck);
  }
}

TEST_P(Protocol, TcpOversizeGetsErrAndClose) {
  start();
  UniqueFd fd = connect_tcp(port_);
  send_all(fd.get(), "ok\n" + std::string(65537, 'x') + "\n");
  EXPECT_EQ(read_until_eof(fd.get(), kTimeout), kAck + "\nERR message too long\n");
  // The daemon keeps serving everyone else.
  UniqueFd other = connect_tcp(port_);
  send_all(other.get(), "still there?\n");
  EXPECT_EQ(read_line(other.get(), kTimeout), kAck);
}

TEST_P(Protocol, TcpMessageOfExactlyMaxMessageIsAcked) {
  start();
  UniqueFd fd = connect_tcp(port_);
  send_all(fd.get(), std::string(65536, 'x') + "\r\n");
  shutdown(fd.get(), SHUT_WR);
  EXPECT_EQ(read_until_eof(fd.get(), kTimeout), acks(1));
}

TEST_P(Protocol, OneMessagePerConnectionClosesWithFinNotReset) {
  start("messages_per_connection = 1\n");
  for (int i = 0; i < 20; ++i) {
    UniqueFd fd = connect_tcp(port_);
    // A second message in the same segment: unread data must not turn the
    // server's close into a reset that destroys the ack.
    send_all(fd.get(), "one\ntwo\nthree\n");
    EXPECT_EQ(read_until_eof(fd.get(), kTimeout), acks(1));  // throws on a reset
  }
}

// ackctl send with more messages than a connection takes: the server closes
// after each ack (a FIN), and ackctl sends the rest on new connections.
TEST_P(Protocol, AckctlSendsTheRestOnNewConnections) {
  start("messages_per_connection = 1\n");
  RunResult result = run({ACKCTL_BINARY, "send", "127.0.0.1", std::to_string(port_)}, "a\nb\nc\n");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, acks(3));
}

// lingering_close = "auto": a client that sent just its message gets the ack
// and the FIN, and the server's socket is gone at once (no wait for the
// client's EOF): a byte the client sends later meets a closed socket.
TEST_P(Protocol, OneMessagePerConnectionClosesAtOnceWhenNothingIsUnread) {
  start("messages_per_connection = 1\n");
  UniqueFd fd = connect_tcp(port_);
  send_all(fd.get(), "one\n");
  EXPECT_EQ(read_until_eof(fd.get(), kTimeout), acks(1));
  send_all(fd.get(), "late\n");
  // Linux reports a reset received after the peer's FIN as EPIPE.
  int error = socket_error_within(fd.get(), kTimeout);
  EXPECT_TRUE(error == EPIPE || error == ECONNRESET) << std::strerror(error);
}

// lingering_close = "always": the server reads until the client's EOF, so
// even a byte sent after the ack never draws a reset.
TEST_P(Protocol, LingeringCloseAlwaysReadsUntilTheClientsEof) {
  start("messages_per_connection = 1\nlingering_close = \"always\"\n");
  UniqueFd fd = connect_tcp(port_);
  send_all(fd.get(), "one\n");
  EXPECT_EQ(read_until_eof(fd.get(), kTimeout), acks(1));
  send_all(fd.get(), "late\n");
  shutdown(fd.get(), SHUT_WR);
  EXPECT_EQ(socket_error_within(fd.get(), 500ms), 0);
}

TEST_P(Protocol, UdpDatagramIsAcked) {
  start();
  EXPECT_EQ(udp_exchange(port_, "hello"), kAck);
  EXPECT_EQ(udp_exchange(port_, ""), kAck);  // an empty datagram is a message too
  EXPECT_EQ(udp_exchange(port_, std::string(65507, 'x')), kAck);  // the largest UDP payload
}

TEST_P(Protocol, UnixStreamIsAcked) {
  start();
  UniqueFd fd = connect_unix(stream_path());
  send_all(fd.get(), "over unix\nfrag");
  shutdown(fd.get(), SHUT_WR);
  EXPECT_EQ(read_until_eof(fd.get(), kTimeout), acks(2));
}

TEST_P(Protocol, UnixgramIsAckedToTheSender) {
  start();
  TempDir client_dir;
  EXPECT_EQ(unixgram_exchange(gram_path(), client_dir.path() + "/c", "hello"), kAck);
}

TEST_P(Protocol, UnboundUnixgramSenderIsRecordedWithoutReply) {
  start();
  EXPECT_EQ(unixgram_exchange(gram_path(), "", "nobody to answer", /*bind_client=*/false), "");
  EXPECT_TRUE(daemon_->wait_for_log("text=\"nobody to answer\""));
}

TEST_P(Protocol, ContentIsEscapedInTheLog) {
  start();
  UniqueFd fd = connect_tcp(port_);
  send_all(fd.get(), "evil\x1b[2J\r2026-01-01 ackd[1] master info: forged\xff\n");
  shutdown(fd.get(), SHUT_WR);
  EXPECT_EQ(read_until_eof(fd.get(), kTimeout), acks(1));
  EXPECT_TRUE(
      daemon_->wait_for_log("text=\"evil\\e[2J\\r2026-01-01 ackd[1] master info: forged\\xff\""));
  EXPECT_EQ(daemon_->log().find("\x1b"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Modes, Protocol, ::testing::Values("prefork", "fork"));

// A unix datagram can be larger than a UDP one: max_message is the bound.
TEST(UnixgramProtocol, DatagramsUpToMaxMessageAreAcked) {
  TempDir dir, client_dir;
  std::string path = dir.path() + "/g";
  Daemon daemon(
      "[daemon]\nworkers = 1\nlog_messages = false\n"
      "[[listener]]\nname = \"gram\"\nprotocol = \"unixgram\"\npath = \"" +
      path + "\"\nmax_message = 150000\n");
  EXPECT_EQ(unixgram_exchange(path, client_dir.path() + "/c", std::string(100000, 'x')), kAck);
  EXPECT_EQ(unixgram_exchange(path, client_dir.path() + "/c2", std::string(150001, 'x')),
            "ERR message too long");
}

}  // namespace
}  // namespace ackd::test
