// The echo service (`service = "echo"`) through every listener kind, in
// both process modes, against the real ackd: each reply is the message
// itself, byte for byte, beside an ack listener in the same daemon; and
// ackctl send prints echoes as they are.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>

#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;
constexpr auto kTimeout = 5s;

// Bytes a line may hold: NUL, a CR inside, invalid UTF-8, an ERR look-alike.
const std::string kOddLine("\0bin\r\xff ERR x", 12);

// One datagram to the unixgram socket `path` from an autobound (abstract)
// address, and the reply ("" if none within the timeout).
std::string unixgram_exchange(const std::string& path, std::string_view message) {
  UniqueFd fd(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sa_family_t autobind = AF_UNIX;
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&autobind), sizeof(autobind)) != 0) return "";
  sockaddr_un to{};
  to.sun_family = AF_UNIX;
  std::strncpy(to.sun_path, path.c_str(), sizeof(to.sun_path) - 1);
  sendto(fd.get(), message.data(), message.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
  pollfd p{fd.get(), POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(std::chrono::milliseconds(kTimeout).count())) <= 0) return "";
  char buffer[70000];
  ssize_t n = recv(fd.get(), buffer, sizeof(buffer), 0);
  return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "";
}

class EchoService : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    port_ = free_port();
    ack_port_ = free_port();
    std::string echo = "service = \"echo\"\n";
    daemon_ = std::make_unique<Daemon>(
        std::string("[daemon]\nmode = \"") + GetParam() + "\"\nworkers = 2\n" +
        tcp_listener("tcp", port_, echo) + udp_listener("udp", port_) + echo +
        unix_listener("local", stream_path(), echo) + "[[listener]]\nname = \"gram\"\n" +
        "protocol = \"unixgram\"\npath = \"" + gram_path() + "\"\n" + echo +
        tcp_listener("acks", ack_port_));
  }
  std::string stream_path() const { return scratch_.file("s"); }
  std::string gram_path() const { return scratch_.file("g"); }

  TempDir scratch_;
  uint16_t port_ = 0;
  uint16_t ack_port_ = 0;
  std::unique_ptr<Daemon> daemon_;
};

// Each line comes back with its LF (a CR before the LF is the framing's, so
// it goes), the fragment before the EOF too.
TEST_P(EchoService, StreamRepliesAreTheMessages) {
  std::string sent = "one\ntwo\r\n" + kOddLine + "\nfragment";
  std::string echoed = "one\ntwo\n" + kOddLine + "\nfragment\n";
  EXPECT_EQ(tcp_exchange(port_, sent), echoed);
  EXPECT_EQ(unix_exchange(stream_path(), sent), echoed);
}

TEST_P(EchoService, KeepAliveEchoesEachMessageAsItComes) {
  UniqueFd fd = connect_tcp(port_);
  for (int i = 0; i < 5; ++i) {
    std::string message = "message " + std::to_string(i);
    send_all(fd.get(), message + "\n");
    EXPECT_EQ(read_line(fd.get(), kTimeout), message);
  }
}

// A datagram's echo is the datagram, LF and all.
TEST_P(EchoService, DatagramRepliesAreTheDatagrams) {
  std::string datagram = "two\nlines\r\n" + kOddLine;
  EXPECT_EQ(udp_exchange(port_, datagram), datagram);
  EXPECT_EQ(unixgram_exchange(gram_path(), datagram), datagram);
}

TEST_P(EchoService, AckListenerBesideItStillAcks) {
  EXPECT_EQ(tcp_exchange(ack_port_, "hello\n"), "I got your message\n");
  EXPECT_EQ(tcp_exchange(port_, "hello\n"), "hello\n");
}

TEST_P(EchoService, TooLongIsStillAnError) {
  std::string line(70000, 'x');
  EXPECT_EQ(tcp_exchange(port_, line + "\n"), "ERR message too long\n");
}

// Status counts replies, whichever service made them.
TEST_P(EchoService, StatusCountsEchoesAsReplies) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(tcp_exchange(port_, "e\n"), "e\n");
  ASSERT_EQ(udp_exchange(port_, "e"), "e");
  ASSERT_EQ(tcp_exchange(ack_port_, "a\n"), "I got your message\n");
  std::optional<DaemonStatus> status;
  EXPECT_TRUE(wait_until(
      [&] {
        status = daemon_status(daemon_->control_socket());
        return status && status->total_replies >= 5;
      },
      2s, 50ms));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->total_replies, 5u) << status->json;
}

// ackctl send prints each echo as it is, even one that looks like an error
// line: the reply is the message it sent, not the server refusing it.
TEST_P(EchoService, AckctlSendPrintsEchoes) {
  RunResult tcp = ackctl({"send", "127.0.0.1", std::to_string(port_), "hello, echo"});
  EXPECT_EQ(tcp.exit_code, 0) << tcp.err;
  EXPECT_EQ(tcp.out, "hello, echo\n");
  RunResult udp = ackctl({"send", "--udp", "127.0.0.1", std::to_string(port_), "ERR not an error"});
  EXPECT_EQ(udp.exit_code, 0) << udp.err;
  EXPECT_EQ(udp.out, "ERR not an error\n");
  RunResult unix_stream = ackctl({"send", "--unix", stream_path(), "ERR not an error"});
  EXPECT_EQ(unix_stream.exit_code, 0) << unix_stream.err;
  EXPECT_EQ(unix_stream.out, "ERR not an error\n");
  RunResult gram = ackctl({"send", "--unixgram", gram_path(), "gram"});
  EXPECT_EQ(gram.exit_code, 0) << gram.err;
  EXPECT_EQ(gram.out, "gram\n");
}

INSTANTIATE_TEST_SUITE_P(Modes, EchoService, ::testing::Values("prefork", "fork"));

}  // namespace
}  // namespace ackd::test
