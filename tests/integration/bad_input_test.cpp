// Bad input never crashes a worker (issue 7): every listener kind, in both
// process modes, gets random bytes, NULs, oversize lines, trickles, resets,
// half-closes, a connection flood and extreme datagrams. Afterwards the same
// worker processes (fork mode: the same dispatcher) are alive, no process
// died of a signal, and a normal exchange works on every listener.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <thread>

#include "common/socket_address.h"
#include "tests/support/daemon.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;
constexpr auto kTimeout = 5s;
constexpr size_t kStreamMax = 1024;     // max_message of the stream listeners
constexpr size_t kDatagramMax = 65536;  // max_message of the datagram listeners (the default)
constexpr size_t kUdpMaxPayload = 65507;
const std::string kAck = "I got your message";
const std::string kTooLong = "ERR message too long";

// Starts ackd with only stdin, stdout and stderr, as a service manager does:
// descriptors the test runner leaks (ctest does) would shift the daemon's own
// fd numbers and hide bugs that depend on them.
DaemonOptions only_stdio() {
  DaemonOptions options;
  options.wrapper = {"/bin/sh", "-c", "exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-; exec \"$@\"", "sh"};
  return options;
}

std::string config_text(const std::string& mode, uint16_t port, const std::string& dir) {
  std::string inet = "127.0.0.1:" + std::to_string(port);
  return "[daemon]\nmode = \"" + mode +
         "\"\nworkers = 2\nmax_connections = 8\nmax_children = 32\n"
         "shutdown_timeout = \"3s\"\n"
         "[[listener]]\nname = \"tcp\"\nprotocol = \"tcp\"\naddress = \"" +
         inet + "\"\nmax_message = " + std::to_string(kStreamMax) +
         "\nbacklog = 64\n"
         "[[listener]]\nname = \"udp\"\nprotocol = \"udp\"\naddress = \"" +
         inet +
         "\"\n"
         "[[listener]]\nname = \"local\"\nprotocol = \"unix\"\npath = \"" +
         dir + "/s\"\nmax_message = " + std::to_string(kStreamMax) +
         "\nbacklog = 64\n"
         "[[listener]]\nname = \"gram\"\nprotocol = \"unixgram\"\npath = \"" +
         dir + "/g\"\n";
}

sockaddr_un unix_address(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  return address;
}

// What the server must answer to `stream` followed by the client's EOF: one
// ack per line (a CR before the LF dropped), the final fragment included,
// until the first line longer than max_message, which gets the error instead.
std::string expected_replies(std::string_view stream, size_t max_message) {
  std::string replies;
  while (!stream.empty()) {
    size_t lf = stream.find('\n');
    std::string_view line = stream.substr(0, lf);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > max_message) return replies + kTooLong + "\n";
    replies += kAck + "\n";
    stream.remove_prefix(lf == std::string_view::npos ? stream.size() : lf + 1);
  }
  return replies;
}

std::string random_bytes(std::mt19937& rng, size_t size) {
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(rng() & 0xff);
  return bytes;
}

// A reset instead of a FIN: SO_LINGER {1, 0}, then close.
void reset_connection(UniqueFd& fd) {
  linger abort{1, 0};
  setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &abort, sizeof(abort));
  fd.reset();
}

// A datagram socket of `family`; for AF_UNIX bound to `bind_path` unless it
// is empty (an unbound sender), reachable by the daemon's workers, which run
// as nobody when the tests run as root.
UniqueFd datagram_client(int family, const std::string& bind_path = "") {
  UniqueFd fd(socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  int size = 1 << 20;
  setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  if (family == AF_UNIX && !bind_path.empty()) {
    chmod(bind_path.substr(0, bind_path.rfind('/')).c_str(), 0755);
    sockaddr_un self = unix_address(bind_path);
    bind(fd.get(), reinterpret_cast<sockaddr*>(&self), sizeof(self));
    chmod(bind_path.c_str(), 0666);
  }
  return fd;
}

// Waits for one datagram; empty if none arrives within `timeout`.
std::string receive_datagram(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return "";
  std::string buffer(70000, '\0');
  ssize_t n = recv(fd, buffer.data(), buffer.size(), 0);
  return n > 0 ? buffer.substr(0, static_cast<size_t>(n)) : "";
}

class BadInput : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    port_ = free_port();
    daemon_ =
        std::make_unique<Daemon>(config_text(GetParam(), port_, scratch_.path()), only_stdio());
    workers_ = current_workers();
    ASSERT_EQ(workers_.size(), prefork() ? 2u : 1u);
  }

  // Whatever the test did, nothing crashed and everything still answers.
  void TearDown() override {
    if (!daemon_) return;
    EXPECT_EQ(current_workers(), workers_) << "a worker (or the dispatcher) was replaced";
    std::string log = daemon_->log();
    EXPECT_EQ(log.find("killed by signal"), std::string::npos) << "a process crashed";
    EXPECT_EQ(log.find("exited with status"), std::string::npos) << "a worker exited";
    expect_normal_exchanges();
  }

  bool prefork() const { return std::string(GetParam()) == "prefork"; }

  std::vector<pid_t> current_workers() const {
    std::vector<pid_t> pids = daemon_->workers(prefork() ? 2 : 1, 3s);
    std::sort(pids.begin(), pids.end());
    return pids;
  }

  std::string stream_path() const { return scratch_.path() + "/s"; }
  std::string gram_path() const { return scratch_.path() + "/g"; }
  std::string client_path(const std::string& name) const { return clients_.file(name); }

  UniqueFd connect_stream(bool tcp) const {
    return tcp ? connect_tcp(port_) : connect_unix(stream_path());
  }

  // Sends `data` to a datagram listener and returns the reply ("" if none).
  std::string datagram_exchange(int fd, bool udp, std::string_view data,
                                std::chrono::milliseconds timeout = kTimeout) const {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(port_);
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sockaddr_un un = unix_address(gram_path());
    const sockaddr* to =
        udp ? reinterpret_cast<const sockaddr*>(&in) : reinterpret_cast<const sockaddr*>(&un);
    socklen_t length = udp ? sizeof(in) : sizeof(un);
    if (sendto(fd, data.data(), data.size(), 0, to, length) != static_cast<ssize_t>(data.size())) {
      ADD_FAILURE() << "sendto of " << data.size() << " bytes: " << std::strerror(errno);
      return "";
    }
    return receive_datagram(fd, timeout);
  }

  std::string udp_exchange(std::string_view data) const {
    UniqueFd fd = datagram_client(AF_INET);
    return datagram_exchange(fd.get(), true, data);
  }

  std::string unixgram_exchange(std::string_view data, const std::string& name = "c") const {
    std::string path = client_path(name);
    unlink(path.c_str());
    UniqueFd fd = datagram_client(AF_UNIX, path);
    return datagram_exchange(fd.get(), false, data);
  }

  // Sends, half-closes, and reads every reply up to the server's EOF.
  std::string stream_exchange(bool tcp, std::string_view data) const {
    UniqueFd fd = connect_stream(tcp);
    send_all(fd.get(), data);
    shutdown(fd.get(), SHUT_WR);
    return read_until_eof(fd.get(), kTimeout);
  }

  void expect_normal_exchanges() const {
    EXPECT_EQ(stream_exchange(true, "still there?\n"), kAck + "\n");
    EXPECT_EQ(stream_exchange(false, "still there?\n"), kAck + "\n");
    EXPECT_EQ(udp_exchange("still there?"), kAck);
    EXPECT_EQ(unixgram_exchange("still there?", "final"), kAck);
  }

  uint16_t port_ = 0;
  TempDir scratch_;
  TempDir clients_;
  std::unique_ptr<Daemon> daemon_;
  std::vector<pid_t> workers_;
};

TEST_P(BadInput, RandomBytesOnStreams) {
  for (bool tcp : {true, false}) {
    std::mt19937 rng(tcp ? 7 : 8);
    for (int i = 0; i < 100; ++i) {
      std::string bytes = random_bytes(rng, rng() % 4097);
      SCOPED_TRACE((tcp ? "tcp" : "unix") + std::string(" connection ") + std::to_string(i));
      ASSERT_EQ(stream_exchange(tcp, bytes), expected_replies(bytes, kStreamMax));
    }
  }
}

TEST_P(BadInput, RandomDatagrams) {
  for (bool udp : {true, false}) {
    std::mt19937 rng(udp ? 9 : 10);
    UniqueFd fd = udp ? datagram_client(AF_INET) : datagram_client(AF_UNIX, client_path("r"));
    for (int i = 0; i < 100; ++i) {
      SCOPED_TRACE((udp ? "udp" : "unixgram") + std::string(" datagram ") + std::to_string(i));
      ASSERT_EQ(datagram_exchange(fd.get(), udp, random_bytes(rng, rng() % 4097)), kAck);
    }
  }
}

TEST_P(BadInput, NulBytes) {
  std::string nuls = std::string("a\0b\n\0\n\0\0\0\r\n", 11) + std::string(100, '\0');
  for (bool tcp : {true, false}) {
    EXPECT_EQ(stream_exchange(tcp, nuls), kAck + "\n" + kAck + "\n" + kAck + "\n" + kAck + "\n");
  }
  EXPECT_EQ(udp_exchange(std::string(3, '\0')), kAck);
  EXPECT_EQ(unixgram_exchange(std::string(3, '\0')), kAck);
  EXPECT_TRUE(daemon_->wait_for_log("size=3 text=\"a\\x00b\"", 2s));
}

TEST_P(BadInput, LineOfMaxMessagePlusOne) {
  std::string longest(kStreamMax, 'x');
  for (bool tcp : {true, false}) {
    SCOPED_TRACE(tcp ? "tcp" : "unix");
    // With its LF, without (found before any LF), and after a good line.
    for (const std::string& data : {longest + "x\n", longest + "xy", "ok\n" + longest + "x\r\n"}) {
      UniqueFd fd = connect_stream(tcp);
      send_all(fd.get(), data);
      std::string expected = (data.rfind("ok\n", 0) == 0 ? kAck + "\n" : "") + kTooLong + "\n";
      EXPECT_EQ(read_until_eof(fd.get(), kTimeout), expected);  // then EOF, not a reset
    }
    EXPECT_EQ(stream_exchange(tcp, longest + "\r\n"), kAck + "\n");  // the longest that fits
  }
  EXPECT_EQ(unixgram_exchange(std::string(kDatagramMax + 1, 'x')), kTooLong);
}

TEST_P(BadInput, MessageOneByteAtATime) {
  const std::string message = "one byte at a time\r\n";
  for (bool tcp : {true, false}) {
    UniqueFd fd = connect_stream(tcp);
    int one = 1;
    if (tcp) setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    for (char c : message) {
      send_all(fd.get(), std::string_view(&c, 1));
      std::this_thread::sleep_for(2ms);  // the point: a client that trickles
    }
    EXPECT_EQ(read_line(fd.get(), kTimeout), kAck);
    send_all(fd.get(), "and then at once\n");
    EXPECT_EQ(read_line(fd.get(), kTimeout), kAck);
  }
}

TEST_P(BadInput, ResetInMidMessage) {
  for (bool tcp : {true, false}) {
    for (int i = 0; i < 20; ++i) {
      UniqueFd fd = connect_stream(tcp);
      send_all(fd.get(), "half a li");
      if (i % 2 == 0) std::this_thread::sleep_for(5ms);  // read by the server first, or not
      reset_connection(fd);
    }
    // A reset with acks still to be written (and then a broken pipe).
    for (int i = 0; i < 5; ++i) {
      UniqueFd fd = connect_stream(tcp);
      std::string lines;
      for (int j = 0; j < 2000; ++j) lines += "ack me\n";
      send_all(fd.get(), lines);
      reset_connection(fd);
    }
  }
}

TEST_P(BadInput, HalfClose) {
  for (bool tcp : {true, false}) {
    SCOPED_TRACE(tcp ? "tcp" : "unix");
    EXPECT_EQ(stream_exchange(tcp, "fragment"), kAck + "\n");
    EXPECT_EQ(stream_exchange(tcp, "one\ntwo\r"), kAck + "\n" + kAck + "\n");
    EXPECT_EQ(stream_exchange(tcp, ""), "");
    EXPECT_EQ(stream_exchange(tcp, std::string(kStreamMax + 1, 'x')), kTooLong + "\n");
    // Half-closed the other way: the client will not read its acks.
    UniqueFd fd = connect_stream(tcp);
    shutdown(fd.get(), SHUT_RD);
    send_all(fd.get(), "nobody reads this\n");
  }
}

// Far beyond max_connections (8 per worker), max_children (32) and the
// backlog (64): connections held open, some mid-message, then all dropped.
TEST_P(BadInput, ConnectionFlood) {
  for (bool tcp : {true, false}) {
    std::vector<UniqueFd> flood;
    SocketAddress tcp_address;
    auto* in = reinterpret_cast<sockaddr_in*>(&tcp_address.storage);
    in->sin_family = AF_INET;
    in->sin_port = htons(port_);
    in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    tcp_address.length = sizeof(sockaddr_in);
    SocketAddress address = tcp ? tcp_address : SocketAddress::unix_path(stream_path());
    for (int i = 0; i < 500; ++i) {
      UniqueFd fd(socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
      if (connect(fd.get(), address.get(), address.length) != 0 && errno != EINPROGRESS) continue;
      if (i % 3 == 0) send(fd.get(), "partial", 7, MSG_NOSIGNAL);
      flood.push_back(std::move(fd));
    }
    EXPECT_GT(flood.size(), 64u);
    for (size_t i = 0; i < flood.size(); ++i) {
      if (i % 2 == 0) reset_connection(flood[i]);
    }
    flood.clear();
    // Quick connect-and-close churn (a load balancer's health checks).
    for (int i = 0; i < 100; ++i) connect_stream(tcp);
  }
}

TEST_P(BadInput, DatagramsOfZeroBytesAnd64KiB) {
  EXPECT_EQ(udp_exchange(""), kAck);
  EXPECT_EQ(udp_exchange(std::string(kUdpMaxPayload, 'u')), kAck);
  EXPECT_EQ(unixgram_exchange(""), kAck);
  EXPECT_EQ(unixgram_exchange(std::string(kDatagramMax, 'g')), kAck);
  EXPECT_TRUE(daemon_->wait_for_log("size=65507", 2s));
  EXPECT_TRUE(daemon_->wait_for_log("size=65536", 2s));
}

TEST_P(BadInput, UnixDatagramFromAnUnboundSender) {
  UniqueFd fd = datagram_client(AF_UNIX);
  for (size_t size : {size_t{0}, size_t{1}, kDatagramMax, kDatagramMax + 1}) {
    EXPECT_EQ(datagram_exchange(fd.get(), false, std::string(size, 'n'), 100ms), "")
        << size << " bytes";
  }
  EXPECT_TRUE(daemon_->wait_for_log("peer=unix:(unnamed) size=65536", 2s));
}

// No prefix: the tests read BadInput.<Test>/prefork and BadInput.<Test>/fork.
// Fork mode: a connection process whose client has already sent its FIN is
// done at once and must not hold one of the max_children slots for longer.
// Twelve connect-and-close health checks through a single slot, then a real
// exchange: a few forks' time, not a second.
TEST(BadInputFork, ConnectAndCloseFreesItsSlotAtOnce) {
  uint16_t port = free_port();
  Daemon daemon(
      "[daemon]\nmode = \"fork\"\nmax_children = 1\n[[listener]]\nname = \"tcp\"\n"
      "protocol = \"tcp\"\naddress = \"127.0.0.1:" +
      std::to_string(port) + "\"\n");
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 12; ++i) connect_tcp(port);
  UniqueFd fd = connect_tcp(port);
  send_all(fd.get(), "after the health checks\n");
  EXPECT_EQ(read_line(fd.get(), kTimeout), kAck);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

INSTANTIATE_TEST_SUITE_P(, BadInput, ::testing::Values("prefork", "fork"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace ackd::test
