// Logs cannot be forged (issue 7): a message (or a unix peer's path) with
// ESC, CR, LF, a fake log-line prefix, invalid UTF-8, a Unicode line separator
// or a bidi override appears escaped, on its own single line of the log (the
// daemon's stderr here; the journal is covered by the systemd tests).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstring>
#include <regex>
#include <sstream>

#include "tests/support/daemon.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;
constexpr auto kTimeout = 5s;
const std::string kAck = "I got your message";
const std::string kFake = "2026-01-01T00:00:00.000 ackd[1] master info: forged";

// Every byte class that could break, fake, recolour or reorder a log line.
const std::string kEvil = std::string("\x1b[2J\x1b[31mred") + "\r" + kFake +
                          " bad\xff\xc3("
                          " sep\xe2\x80\xa8"
                          "bidi\xe2\x80\xae"
                          "txt.exe \"q\" \\ \t\x7f\xc2\x85 nul" +
                          std::string(1, '\0') + "end";
const std::string kEvilEscaped =
    "\\e[2J\\e[31mred\\r" + kFake +
    " bad\\xff\\xc3( sep\\u{2028}bidi\\u{202e}txt.exe \\\"q\\\" \\\\ \\t\\x7f\\u{0085} "
    "nul\\x00end";

// Starts ackd with only stdin, stdout and stderr, as a service manager does:
// descriptors the test runner leaks (ctest does) would shift the daemon's own
// fd numbers and hide bugs that depend on them.
DaemonOptions only_stdio() {
  DaemonOptions options;
  options.wrapper = {"/bin/sh", "-c", "exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-; exec \"$@\"", "sh"};
  return options;
}

std::string config_text(const std::string& mode, uint16_t port, const std::string& gram,
                        const std::string& stream) {
  std::string inet = "127.0.0.1:" + std::to_string(port);
  return "[daemon]\nmode = \"" + mode + "\"\nworkers = 1\nshutdown_timeout = \"3s\"\n" +
         "[[listener]]\nname = \"tcp\"\nprotocol = \"tcp\"\naddress = \"" + inet + "\"\n" +
         "[[listener]]\nname = \"udp\"\nprotocol = \"udp\"\naddress = \"" + inet + "\"\n" +
         "[[listener]]\nname = \"gram\"\nprotocol = \"unixgram\"\npath = \"" + gram + "\"\n" +
         "[[listener]]\nname = \"unix\"\nprotocol = \"unix\"\npath = \"" + stream + "\"\n";
}

std::string local_address(int fd) {
  sockaddr_in self{};
  socklen_t length = sizeof(self);
  getsockname(fd, reinterpret_cast<sockaddr*>(&self), &length);
  return "127.0.0.1:" + std::to_string(ntohs(self.sin_port));
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The log is whole lines, each with the daemon's own prefix, and no raw
// control byte but the LFs that end them.
void expect_clean_log(const std::string& log) {
  EXPECT_EQ(log.find('\x1b'), std::string::npos) << "raw ESC in the log";
  EXPECT_EQ(log.find('\r'), std::string::npos) << "raw CR in the log";
  EXPECT_EQ(log.find('\0'), std::string::npos) << "raw NUL in the log";
  EXPECT_EQ(log.find("\xe2\x80\xa8"), std::string::npos) << "raw U+2028 in the log";
  EXPECT_EQ(log.find("\xe2\x80\xae"), std::string::npos) << "raw bidi override in the log";
  const std::regex prefix(
      R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3} ackd\[\d+\] [a-z0-9 ]+ [a-z]+: .*)");
  for (const std::string& line : lines_of(log)) {
    EXPECT_TRUE(std::regex_match(line, prefix)) << "not a log line of ours: " << line;
    EXPECT_NE(line.rfind(kFake.substr(0, 32), 0), 0u) << "a forged line: " << line;
  }
}

// The one log line holding `needle`, from "message " to its end.
std::string message_line(const Daemon& daemon, const std::string& needle) {
  EXPECT_TRUE(daemon.wait_for_log(needle, 3s)) << "not logged: " << needle;
  std::string found;
  int count = 0;
  for (const std::string& line : lines_of(daemon.log())) {
    if (line.find(needle) == std::string::npos) continue;
    ++count;
    size_t start = line.find(" info: message ");
    found = start == std::string::npos ? line : line.substr(start + 7);
  }
  EXPECT_EQ(count, 1) << "lines holding " << needle;
  return found;
}

class LogForgery : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    port_ = free_port();
    daemon_ = std::make_unique<Daemon>(config_text(GetParam(), port_, gram_path(), stream_path()),
                                       only_stdio());
  }
  std::string gram_path() const { return scratch_.file("g"); }
  // Its clients are unnamed: the log names them by this path, which holds
  // what would end a bare log field, and a tab (raw in TOML, escaped in logs).
  std::string stream_path() const { return scratch_.file("s size=1\tx"); }

  // Sends "hi" from a unix datagram socket bound to `client` and waits for the ack.
  void send_from_unix_path(const std::string& client) const {
    ASSERT_LT(client.size(), sizeof(sockaddr_un::sun_path));
    UniqueFd fd(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_un self{};
    self.sun_family = AF_UNIX;
    std::memcpy(self.sun_path, client.data(), client.size());
    ASSERT_EQ(bind(fd.get(), reinterpret_cast<sockaddr*>(&self), sizeof(self)), 0);
    chmod(client.c_str(), 0666);  // run as root, the workers are nobody
    sockaddr_un to{};
    to.sun_family = AF_UNIX;
    std::strncpy(to.sun_path, gram_path().c_str(), sizeof(to.sun_path) - 1);
    sendto(fd.get(), "hi", 2, 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
    pollfd p{fd.get(), POLLIN, 0};
    EXPECT_EQ(poll(&p, 1, 5000), 1);
  }

  uint16_t port_ = 0;
  TempDir scratch_;
  std::unique_ptr<Daemon> daemon_;
};

TEST_P(LogForgery, StreamMessageIsOneEscapedLine) {
  UniqueFd fd = connect_tcp(port_);
  std::string peer = local_address(fd.get());
  send_all(fd.get(), kEvil + "\r\n");  // the CR before the LF is framing, not content
  shutdown(fd.get(), SHUT_WR);
  EXPECT_EQ(read_until_eof(fd.get(), kTimeout), kAck + "\n");
  EXPECT_EQ(message_line(*daemon_, "peer=" + peer + " "),
            "message listener=tcp peer=" + peer + " size=" + std::to_string(kEvil.size()) +
                " text=\"" + kEvilEscaped + "\"");
  expect_clean_log(daemon_->log());
}

TEST_P(LogForgery, DatagramWithLineBreaksIsOneEscapedLine) {
  UniqueFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port_);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  connect(fd.get(), reinterpret_cast<sockaddr*>(&to), sizeof(to));
  std::string peer = local_address(fd.get());
  // In a datagram, LF is content: it must not end the log line.
  std::string message = "first\n" + kFake + " by udp\r\n" + kEvil;
  send(fd.get(), message.data(), message.size(), 0);
  pollfd p{fd.get(), POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 5000), 1);
  char reply[64];
  EXPECT_EQ(std::string(reply, static_cast<size_t>(recv(fd.get(), reply, sizeof(reply), 0))), kAck);
  EXPECT_EQ(message_line(*daemon_, "peer=" + peer + " "),
            "message listener=udp peer=" + peer + " size=" + std::to_string(message.size()) +
                " text=\"first\\n" + kFake + " by udp\\r\\n" + kEvilEscaped + "\"");
  expect_clean_log(daemon_->log());
}

// A unix peer names itself: its socket path is outside input too.
TEST_P(LogForgery, UnixPeerPathIsEscaped) {
  TempDir client_dir;
  chmod(client_dir.path().c_str(), 0755);
  std::string client = client_dir.path() + "/evil\x1b[7m\n" + kFake + "\xe2\x80\xae";
  send_from_unix_path(client);
  std::string escaped_peer = "unix:" + client_dir.path() + "/evil\\e[7m\\n" + kFake + "\\u{202e}";
  EXPECT_EQ(message_line(*daemon_, "size=2 text=\"hi\""),
            "message listener=gram peer=\"" + escaped_peer + "\" size=2 text=\"hi\"");
  expect_clean_log(daemon_->log());
}

// Nor can it fake the fields after it: a peer with a space, '=' or a quote
// is written in quotes, as the text is.
TEST_P(LogForgery, UnixPeerPathCannotFakeFields) {
  TempDir client_dir;
  chmod(client_dir.path().c_str(), 0755);
  send_from_unix_path(client_dir.path() + "/c size=9 text=\"forged\"");
  std::string peer = "unix:" + client_dir.path() + "/c size=9 text=\\\"forged\\\"";
  EXPECT_EQ(message_line(*daemon_, "size=2 text=\"hi\""),
            "message listener=gram peer=\"" + peer + "\" size=2 text=\"hi\"");
  expect_clean_log(daemon_->log());
}

// An unnamed unix stream client is named by the listener's path, escaped and
// quoted too.
TEST_P(LogForgery, UnixListenerPathIsQuoted) {
  UniqueFd fd = connect_unix(stream_path());
  send_all(fd.get(), "hi\n");
  shutdown(fd.get(), SHUT_WR);
  EXPECT_EQ(read_until_eof(fd.get(), kTimeout), kAck + "\n");
  EXPECT_EQ(message_line(*daemon_, "listener=unix "),
            "message listener=unix peer=\"unix:" + scratch_.file("s size=1\\tx") +
                "\" size=2 text=\"hi\"");
}

// No prefix: the tests read LogForgery.<Test>/prefork and LogForgery.<Test>/fork.
INSTANTIATE_TEST_SUITE_P(, LogForgery, ::testing::Values("prefork", "fork"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace ackd::test
