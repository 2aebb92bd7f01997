// ackctl against real servers: the tutorial's programs on free ports, and
// tiny scripted servers on threads for what the tutorial cannot show (error
// acks, resets, half-close, unix sockets). Every wait is bounded and every
// thread joined.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/spool_reader.h"
#include "common/syscall.h"
#include "common/unique_fd.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"
#include "version.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kServerWait = 5s;  // how long a scripted server waits for ackctl

RunResult ackctl(std::vector<std::string> args, const std::string& stdin_text = "") {
  args.insert(args.begin(), ACKCTL_BINARY);
  return run(args, stdin_text);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A scripted server on a thread, joined when the test ends. A failure inside
// is reported as a test failure rather than terminating the process.
class ServerThread {
 public:
  explicit ServerThread(std::function<void()> body)
      : thread_([body = std::move(body)] {
          try {
            body();
          } catch (const std::exception& e) {
            ADD_FAILURE() << "server thread: " << e.what();
          }
        }) {}
  ~ServerThread() { join(); }
  void join() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::thread thread_;
};

struct Listener {
  UniqueFd fd;
  uint16_t port = 0;
  std::string port_text() const { return std::to_string(port); }
};

// Binds a socket of `type` to 127.0.0.1 (or ::1) port 0: the kernel picks a
// free port and nobody can take it before we use it.
Listener loopback_socket(int type, int family = AF_INET) {
  Listener listener{UniqueFd(::socket(family, type | SOCK_CLOEXEC, 0))};
  if (!listener.fd) throw_errno("socket", "");
  sockaddr_storage storage{};
  socklen_t length = sizeof(sockaddr_in);
  if (family == AF_INET6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_addr = in6addr_loopback;
    length = sizeof(sockaddr_in6);
  } else {
    auto* in = reinterpret_cast<sockaddr_in*>(&storage);
    in->sin_family = AF_INET;
    in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  }
  auto* address = reinterpret_cast<sockaddr*>(&storage);
  if (::bind(listener.fd.get(), address, length) != 0) throw_errno("bind", "loopback");
  if (type == SOCK_STREAM && ::listen(listener.fd.get(), 1) != 0) throw_errno("listen", "");
  if (::getsockname(listener.fd.get(), address, &length) != 0) throw_errno("getsockname", "");
  // sin_port and sin6_port sit at the same offset.
  listener.port = ntohs(reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
  return listener;
}

UniqueFd unix_socket(int type, const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, type | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("socket", path);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  path.copy(address.sun_path, sizeof(address.sun_path) - 1);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    throw_errno("bind", path);
  }
  if (type == SOCK_STREAM && ::listen(fd.get(), 1) != 0) throw_errno("listen", path);
  return fd;
}

bool readable_within(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  return retry_eintr([&] { return ::poll(&p, 1, static_cast<int>(timeout.count())); }) > 0;
}

// The next connection, or an invalid fd if ackctl never came.
UniqueFd accept_within(int listener, std::chrono::milliseconds timeout = kServerWait) {
  if (!readable_within(listener, timeout)) return UniqueFd();
  UniqueFd fd(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
  if (!fd) throw_errno("accept4", "");
  return fd;
}

// Like ackd: acks every line with `prefix` + line, and closes only after the
// client's EOF. Returns true if the client half-closed.
bool ack_lines_until_eof(int fd, const std::string& prefix) {
  std::string pending;
  auto deadline = Clock::now() + kServerWait;
  char buffer[4096];
  while (Clock::now() < deadline) {
    if (!readable_within(fd, 100ms)) continue;
    ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) return n == 0;
    pending.append(buffer, static_cast<size_t>(n));
    for (size_t lf; (lf = pending.find('\n')) != std::string::npos; pending.erase(0, lf + 1)) {
      send_all(fd, prefix + pending.substr(0, lf) + "\n");
    }
  }
  return false;
}

// Starts a tutorial program on a free port and waits until it is bound.
struct TutorialServer {
  TutorialServer(const char* binary, bool udp, const std::string& stdout_path)
      : port(free_port()), process({binary, std::to_string(port)}, {}, stdout_path) {
    bool ready = wait_until([&] { return udp ? udp_port_bound(port) : tcp_port_listening(port); },
                            kServerWait);
    EXPECT_TRUE(ready) << binary << " did not bind port " << port;
  }
  std::string port_text() const { return std::to_string(port); }

  uint16_t port;
  Subprocess process;
};

class AckctlTest : public testing::Test {
 protected:
  TempDir dir_;
};

// --- the tutorial's programs ---

TEST_F(AckctlTest, TutorialServerAcksAckctl) {
  TutorialServer server(TUTORIAL_SERVER, false, dir_.file("server.out"));
  RunResult result = ackctl({"send", "127.0.0.1", server.port_text(), "hello"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "I got your message\n");  // the ack had no LF; EOF ended it
  EXPECT_EQ(result.err, "");
  auto status = server.process.wait_for(5s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  EXPECT_EQ(read_file(dir_.file("server.out")), "Here is the message: hello\n\n");
}

TEST_F(AckctlTest, MessageFromStdinWithoutPromptWhenNotATerminal) {
  TutorialServer server(TUTORIAL_SERVER, false, dir_.file("server.out"));
  RunResult result = ackctl({"send", "localhost", server.port_text()}, "from stdin\n");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "I got your message\n");  // no prompt
  ASSERT_TRUE(server.process.wait_for(5s).has_value());
  EXPECT_EQ(read_file(dir_.file("server.out")), "Here is the message: from stdin\n\n");
}

TEST_F(AckctlTest, TutorialClientTalksToTutorialServer) {
  TutorialServer server(TUTORIAL_SERVER, false, dir_.file("server.out"));
  RunResult result = run({TUTORIAL_CLIENT, "localhost", server.port_text()}, "hello\n");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "Please enter the message: I got your message\n");
  ASSERT_TRUE(server.process.wait_for(5s).has_value());
  EXPECT_EQ(read_file(dir_.file("server.out")), "Here is the message: hello\n\n");
}

TEST_F(AckctlTest, TutorialForkServerServesOneConnectionAfterAnother) {
  TutorialServer server(TUTORIAL_FORK_SERVER, false, dir_.file("server.out"));
  for (const char* message : {"one", "two", "three"}) {
    RunResult result = ackctl({"send", "127.0.0.1", server.port_text(), message});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "I got your message\n");
  }
  EXPECT_TRUE(server.process.running());
}

TEST_F(AckctlTest, UdpToTutorialUdpServer) {
  TutorialServer server(TUTORIAL_UDP_SERVER, true, dir_.file("server.out"));
  RunResult result = ackctl({"send", "--udp", "127.0.0.1", server.port_text(), "hello"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "I got your message\n");
  result = ackctl({"send", "--udp", "127.0.0.1", server.port_text()}, "a\nb\n");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "I got your message\nI got your message\n");  // one datagram each
}

// --- exit codes ---

TEST_F(AckctlTest, RefusedTcpExits3) {
  std::string port = std::to_string(free_port());
  RunResult result = ackctl({"send", "127.0.0.1", port, "x"});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "ackctl: connect to 127.0.0.1:" + port + ": Connection refused\n");
}

TEST_F(AckctlTest, RefusedUdpExits3) {
  std::string port = std::to_string(free_port());
  RunResult result = ackctl({"send", "--udp", "127.0.0.1", port, "x"});
  EXPECT_EQ(result.exit_code, 3) << result.err;
}

TEST_F(AckctlTest, UnknownHostExits5) {
  RunResult result = ackctl({"send", "nosuchhost.invalid", "51717", "x"});
  EXPECT_EQ(result.exit_code, 5);
  EXPECT_EQ(result.err, "ackctl: unknown host \"nosuchhost.invalid\"\n");
}

TEST_F(AckctlTest, ServerThatNeverAnswersExits4) {
  Listener listener = loopback_socket(SOCK_STREAM);  // the kernel accepts; nobody replies
  auto start = Clock::now();
  RunResult result = ackctl({"send", "--timeout", "300ms", "127.0.0.1", listener.port_text(), "x"});
  EXPECT_EQ(result.exit_code, 4);
  EXPECT_EQ(result.err,
            "ackctl: no ack from 127.0.0.1:" + listener.port_text() + " within 300ms\n");
  EXPECT_LT(Clock::now() - start, 3s);
}

TEST_F(AckctlTest, UdpServerThatNeverAnswersExits4AfterResends) {
  Listener socket = loopback_socket(SOCK_DGRAM);
  auto start = Clock::now();
  RunResult result = ackctl(
      {"send", "--udp", "--timeout", "2s", "--retries", "2", "127.0.0.1", socket.port_text(), "x"});
  EXPECT_EQ(result.exit_code, 4) << result.err;
  EXPECT_NE(result.err.find("no ack from 127.0.0.1:" + socket.port_text() + " within 2s"),
            std::string::npos)
      << result.err;
  EXPECT_LT(Clock::now() - start, 4s);
  int datagrams = 0;  // sent at 0, 250ms and 750ms
  char byte;
  while (::recv(socket.fd.get(), &byte, 1, MSG_DONTWAIT) >= 0) ++datagrams;
  EXPECT_EQ(datagrams, 3);
}

TEST_F(AckctlTest, ErrAckExits6) {
  Listener listener = loopback_socket(SOCK_STREAM);
  ServerThread server([&] {
    UniqueFd connection = accept_within(listener.fd.get());
    if (!connection) return;
    read_line(connection.get(), kServerWait);
    send_all(connection.get(), "ERR message too long\n");
  });
  RunResult result = ackctl({"send", "127.0.0.1", listener.port_text(), "x"});
  EXPECT_EQ(result.exit_code, 6);
  EXPECT_EQ(result.err, "ackctl: server error: ERR message too long\n");
}

TEST_F(AckctlTest, ResetBeforeTheAckExits6) {
  Listener listener = loopback_socket(SOCK_STREAM);
  ServerThread server([&] {
    UniqueFd connection = accept_within(listener.fd.get());
    if (!connection) return;
    read_line(connection.get(), kServerWait);
    linger abort_on_close{1, 0};
    ::setsockopt(connection.get(), SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof(abort_on_close));
  });
  RunResult result = ackctl({"send", "127.0.0.1", listener.port_text(), "x"});
  EXPECT_EQ(result.exit_code, 6);
  EXPECT_EQ(result.err, "ackctl: connection reset by the server\n");
}

// A server that closes cleanly after some acks took none of the messages
// after them (ackd draining for a reload, or messages_per_connection):
// ackctl sends those again on a new connection.
TEST_F(AckctlTest, MessagesAfterACleanCloseGoOnANewConnection) {
  Listener listener = loopback_socket(SOCK_STREAM);
  ServerThread server([&] {
    UniqueFd first = accept_within(listener.fd.get());
    if (!first) return;
    read_line(first.get(), kServerWait);
    read_line(first.get(), kServerWait);  // read both: closing now is a FIN, not a reset
    send_all(first.get(), "ok a\n");
    first.reset();
    UniqueFd second = accept_within(listener.fd.get());
    if (!second) return;
    send_all(second.get(), "ok " + read_line(second.get(), kServerWait) + "\n");
  });
  RunResult result = ackctl({"send", "127.0.0.1", listener.port_text()}, "a\nb\n");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "ok a\nok b\n");
}

// A reset after some acks may have cut off what the server said: an error.
TEST_F(AckctlTest, ResetAfterSomeAcksExits6) {
  Listener listener = loopback_socket(SOCK_STREAM);
  ServerThread server([&] {
    UniqueFd connection = accept_within(listener.fd.get());
    if (!connection) return;
    read_line(connection.get(), kServerWait);
    send_all(connection.get(), "ok\n");
    read_line(connection.get(), kServerWait);
    linger abort_on_close{1, 0};
    ::setsockopt(connection.get(), SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof(abort_on_close));
  });
  RunResult result = ackctl({"send", "127.0.0.1", listener.port_text()}, "a\nb\n");
  EXPECT_EQ(result.exit_code, 6);
  EXPECT_EQ(result.out, "ok\n");
  EXPECT_EQ(result.err, "ackctl: connection reset by the server after 1 of 2 acks\n");
}

struct UsageCase {
  std::vector<std::string> args;
};

class AckctlUsageTest : public testing::TestWithParam<UsageCase> {};

TEST_P(AckctlUsageTest, Exits2WithOneLine) {
  RunResult result = ackctl(GetParam().args);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.out, "");
  EXPECT_TRUE(result.err.starts_with("ackctl: ")) << result.err;
  EXPECT_EQ(result.err.find('\n'), result.err.size() - 1) << result.err;
}

INSTANTIATE_TEST_SUITE_P(
    Bad, AckctlUsageTest,
    testing::Values(UsageCase{{}}, UsageCase{{"frobnicate"}}, UsageCase{{"send"}},
                    UsageCase{{"send", "127.0.0.1"}}, UsageCase{{"send", "--bogus", "h", "1"}},
                    UsageCase{{"send", "h", "notaport", "x"}},
                    UsageCase{{"send", "h", "1", "x", "extra"}},
                    UsageCase{{"send", "--timeout", "soon", "h", "1", "x"}},
                    UsageCase{{"send", "--retries", "-1", "h", "1", "x"}},
                    UsageCase{{"send", "--unix", "/tmp/s", "h", "1"}},
                    UsageCase{{"send", "--udp", "--unix", "/tmp/s", "x"}},
                    UsageCase{{"status", "--timeout", "0s", "--socket", "/nonexistent/c"}},
                    UsageCase{{"reload", "--timeout", "0s", "--socket", "/nonexistent/c"}},
                    UsageCase{{"stop", "--timeout", "0s", "--socket", "/nonexistent/c"}}));

TEST_F(AckctlTest, VersionPrintsTheVersion) {
  RunResult result = ackctl({"--version"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, std::string("ackctl ") + kVersion + "\n");
}

// Each command's --help lists the exit codes that command returns, in its
// own words: stop never "acknowledged every message", spool never timed out.
struct HelpCase {
  std::vector<std::string> args;
  std::vector<std::string> listed;  // lines the footer must hold
  std::vector<std::string> absent;  // and must not
};

TEST_F(AckctlTest, HelpListsEachCommandsOwnExitCodes) {
  const std::string send_ok = "0  every message was acknowledged";
  const std::vector<std::string> control_absent = {send_ok, "5  unknown host"};
  const HelpCase cases[] = {
      {{"--help"},
       {"0  success", "2  usage error", "3  connection refused", "6  protocol error",
        "each command's --help"},
       {send_ok}},
      {{"send", "--help"},
       {send_ok, "3  connection refused", "4  timed out", "5  unknown host", "6  protocol error"},
       {}},
      {{"status", "--help"},
       {"0  the status was printed", "3  no daemon", "4  no reply within --timeout",
        "6  the daemon refused the request"},
       control_absent},
      {{"reload", "--help"}, {"0  the daemon reloaded", "3  no daemon"}, control_absent},
      {{"stop", "--help"}, {"0  the daemon is stopping", "3  no daemon"}, control_absent},
      {{"spool", "cat", "--help"},
       {"0  every record was read and verified", "1  the spool cannot be read",
        "6  a segment fails verification"},
       {send_ok, "3  ", "4  ", "5  "}},
      {{"spool", "stats", "--help"}, {"6  a segment fails verification"}, {send_ok, "4  "}},
      {{"bench", "--help"}, {"0  the run ended with replies and no error"}, {send_ok}},
  };
  for (const HelpCase& c : cases) {
    RunResult result = ackctl(c.args);
    std::string command = c.args.size() > 1 ? c.args[0] + " " + c.args[1] : c.args[0];
    EXPECT_EQ(result.exit_code, 0) << command;
    size_t footer = result.out.find("Exit status");
    ASSERT_NE(footer, std::string::npos) << command << ":\n" << result.out;
    std::string codes = result.out.substr(footer);
    for (const std::string& line : c.listed) {
      EXPECT_NE(codes.find(line), std::string::npos) << command << " lacks \"" << line << "\":\n"
                                                     << codes;
    }
    for (const std::string& line : c.absent) {
      EXPECT_EQ(codes.find(line), std::string::npos) << command << " lists \"" << line << "\":\n"
                                                     << codes;
    }
  }
}

// --- the stream exchange ---

TEST_F(AckctlTest, AckWithoutLfEndedByEofIsAccepted) {
  Listener listener = loopback_socket(SOCK_STREAM);
  ServerThread server([&] {
    UniqueFd connection = accept_within(listener.fd.get());
    if (!connection) return;
    read_line(connection.get(), kServerWait);
    send_all(connection.get(), "no newline");
  });
  RunResult result = ackctl({"send", "127.0.0.1", listener.port_text(), "x"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "no newline\n");
}

TEST_F(AckctlTest, HalfClosesSoTheServerClosesFirst) {
  Listener listener = loopback_socket(SOCK_STREAM, AF_INET6);
  std::atomic<bool> saw_eof = false;
  ServerThread server([&] {
    UniqueFd connection = accept_within(listener.fd.get());
    if (connection) saw_eof = ack_lines_until_eof(connection.get(), "ok ");
  });
  auto start = Clock::now();
  RunResult result = ackctl({"send", "::1", listener.port_text()}, "a\r\nb\n\nc");
  server.join();
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "ok a\nok b\nok \nok c\n");  // "a\r" went out; "ok a\r\n" lost its CR
  EXPECT_TRUE(saw_eof);
  EXPECT_LT(Clock::now() - start, 3s);  // the exchange ends with the FIN, not the timeout
}

// --- unix sockets ---

TEST_F(AckctlTest, UnixStream) {
  std::string path = dir_.file("s.sock");
  UniqueFd listener = unix_socket(SOCK_STREAM, path);
  std::atomic<bool> saw_eof = false;
  ServerThread server([&] {
    UniqueFd connection = accept_within(listener.get());
    if (connection) saw_eof = ack_lines_until_eof(connection.get(), "ok:");
  });
  RunResult result = ackctl({"send", "--unix", path}, "a\nb\n");
  server.join();
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "ok:a\nok:b\n");
  EXPECT_TRUE(saw_eof);
}

TEST_F(AckctlTest, MissingUnixSocketExits3) {
  for (const char* option : {"--unix", "--unixgram"}) {
    RunResult result = ackctl({"send", option, dir_.file("nothing.sock"), "x"});
    EXPECT_EQ(result.exit_code, 3) << option;
    EXPECT_NE(result.err.find("No such file or directory"), std::string::npos) << result.err;
  }
}

TEST_F(AckctlTest, UnixgramReplyGoesToTheAutoboundAddress) {
  std::string path = dir_.file("d.sock");
  UniqueFd socket = unix_socket(SOCK_DGRAM, path);
  std::atomic<bool> abstract_sender = false;
  ServerThread server([&] {
    if (!readable_within(socket.get(), kServerWait)) return;
    char buffer[1024];
    sockaddr_un from{};
    socklen_t length = sizeof(from);
    ssize_t n = ::recvfrom(socket.get(), buffer, sizeof(buffer), 0,
                           reinterpret_cast<sockaddr*>(&from), &length);
    if (n < 0) throw_errno("recvfrom", path);
    abstract_sender = length > offsetof(sockaddr_un, sun_path) && from.sun_path[0] == '\0';
    std::string reply = "got:" + std::string(buffer, static_cast<size_t>(n)) + "\n";
    ::sendto(socket.get(), reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from),
             length);
  });
  RunResult result = ackctl({"send", "--unixgram", path, "hi"});
  server.join();
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "got:hi\n");  // one trailing LF stripped
  EXPECT_TRUE(abstract_sender);
}

// --- the control commands ---

// ackd answers every control request; a socket that closes without a word
// is not the daemon saying yes.
TEST_F(AckctlTest, ControlSocketClosedWithoutAReplyExits6) {
  std::string path = dir_.file("control.sock");
  UniqueFd listener = unix_socket(SOCK_STREAM, path);
  for (const char* command : {"status", "reload", "stop"}) {
    ServerThread server([&] {
      UniqueFd connection = accept_within(listener.get());
      if (connection) read_line(connection.get(), kServerWait);  // then close, no reply
    });
    RunResult result = ackctl({command, "--socket", path});
    server.join();
    EXPECT_EQ(result.exit_code, 6) << command;
    EXPECT_EQ(result.out, "") << command;
    EXPECT_EQ(result.err, "ackctl: " + path + ": closed without a reply\n") << command;
  }
}

// --- output lost ---

// ackctl with its stdout on /dev/full, where every write fails with ENOSPC.
RunResult ackctl_to_full_disk(std::vector<std::string> args) {
  args.insert(args.begin(), {"/bin/sh", "-c", "exec \"$0\" \"$@\" >/dev/full", ACKCTL_BINARY});
  return run(args);
}

constexpr const char* kWriteError = "ackctl: write error: No space left on device\n";

TEST_F(AckctlTest, SendWriteErrorExits1) {
  Listener listener = loopback_socket(SOCK_STREAM);
  ServerThread server([&] {
    UniqueFd connection = accept_within(listener.fd.get());
    if (connection) ack_lines_until_eof(connection.get(), "ok ");
  });
  RunResult result = ackctl_to_full_disk({"send", "127.0.0.1", listener.port_text(), "x"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, kWriteError);
}

TEST_F(AckctlTest, StatusWriteErrorExits1) {
  std::string path = dir_.file("control.sock");
  UniqueFd listener = unix_socket(SOCK_STREAM, path);
  ServerThread server([&] {
    UniqueFd connection = accept_within(listener.get());
    if (!connection) return;
    read_line(connection.get(), kServerWait);
    send_all(connection.get(), "master pid 1\n");
  });
  RunResult result = ackctl_to_full_disk({"status", "--socket", path});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, kWriteError);
}

TEST_F(AckctlTest, BenchWriteErrorExits1) {
  std::string port = std::to_string(free_port());  // refused: the report is all there is
  RunResult result =
      ackctl_to_full_disk({"bench", "127.0.0.1", port, "-d", "100ms", "-c", "1", "-t", "1"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, kWriteError);
}

TEST_F(AckctlTest, SpoolWriteErrorExits1) {
  std::string spool = dir_.file("spool");
  ::mkdir(spool.c_str(), 0755);
  std::string record;
  encode_spool_record({1700000000000000000, "tcp", "127.0.0.1:4000", "hello"}, record);
  std::ofstream(spool + "/1700000000000-0000001-000001" + kSegmentSuffix, std::ios::binary)
      << record;
  for (const char* command : {"cat", "stats"}) {
    RunResult result = ackctl_to_full_disk({"spool", command, spool});
    EXPECT_EQ(result.exit_code, 1) << command;
    EXPECT_EQ(result.err, kWriteError) << command;
  }
}

}  // namespace
}  // namespace ackd::test
