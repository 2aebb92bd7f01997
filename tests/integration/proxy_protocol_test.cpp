// Listeners with proxy_protocol, through the real daemon: ackctl send
// --proxy-v1/--proxy-v2 plays the proxy. The client the header names is
// what the log and the spool record, with the proxy it came through; an
// untrusted source, a bad or a late header gets one ERR line; a probe that
// sends nothing is no error. In both process models.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>

#include <string>
#include <vector>

#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;

class ProxyProtocol : public testing::TestWithParam<std::string> {
 protected:
  std::string daemon_section() const {
    return GetParam() == "fork" ? "[daemon]\nmode = \"fork\"\n" : "[daemon]\nworkers = 1\n";
  }
};

INSTANTIATE_TEST_SUITE_P(Modes, ProxyProtocol, testing::Values("workers", "fork"));

TEST_P(ProxyProtocol, TheRecordNamesTheClientOfTheHeaderAndTheProxy) {
  uint16_t port = free_port();
  TempDir spool;
  chmod(spool.path().c_str(), 0755);  // run as root, the workers are nobody
  Daemon daemon(daemon_section() + tcp_listener("tcp", port, "proxy_protocol = \"any\"\n") +
                "[spool]\npath = \"" + spool.path() + "/spool\"\n");
  for (const char* version : {"--proxy-v1", "--proxy-v2"}) {
    RunResult r = ackctl({"send", version, "--proxy-source", "203.0.113.9:5000", "127.0.0.1",
                          std::to_string(port), std::string("via") + (version + 8)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "I got your message\n");
  }
  for (const char* text : {"viav1", "viav2"}) {
    ASSERT_TRUE(daemon.wait_for_log(std::string("text=\"") + text + "\"")) << daemon.log();
    std::string line = lines_with(daemon.log(), std::string("text=\"") + text + "\"").front();
    EXPECT_NE(line.find("203.0.113.9:5000 via 127.0.0.1:"), std::string::npos) << line;
  }
  ASSERT_TRUE(daemon.stop());
  RunResult cat = run({ACKCTL_BINARY, "spool", "cat", spool.path() + "/spool"});
  ASSERT_EQ(cat.exit_code, 0) << cat.err;
  EXPECT_EQ(lines_with(cat.out, "203.0.113.9:5000 via 127.0.0.1:").size(), 2u) << cat.out;
}

TEST_P(ProxyProtocol, AnUntrustedSourceIsRefusedAndItsForgedAddressAppearsNowhere) {
  uint16_t port = free_port();
  Daemon daemon(
      daemon_section() +
      tcp_listener("tcp", port, "proxy_protocol = \"v1\"\ntrusted_proxies = [\"10.0.0.0/8\"]\n"));
  RunResult r = ackctl({"send", "--proxy-v1", "--proxy-source", "203.0.113.9:5000", "127.0.0.1",
                        std::to_string(port), "forged"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("ERR PROXY header from an untrusted source"), std::string::npos) << r.err;
  ASSERT_TRUE(daemon.wait_for_log("PROXY header from an untrusted source")) << daemon.log();
  EXPECT_EQ(daemon.log().find("203.0.113.9"), std::string::npos) << daemon.log();
  EXPECT_EQ(daemon.log().find("forged"), std::string::npos) << daemon.log();
}

// allow and deny judge the client the trusted proxy reports, not the proxy
// (here 127.0.0.1, in neither list): a denied client gets one ERR line, and
// its message is not recorded.
TEST_P(ProxyProtocol, AllowAndDenyJudgeTheClientOfTheHeader) {
  uint16_t port = free_port();
  Daemon daemon(daemon_section() +
                tcp_listener("tcp", port,
                             "proxy_protocol = \"v2\"\nallow = [\"203.0.113.0/24\"]\n"
                             "deny = [\"203.0.113.66\"]\n"));
  auto send_from = [&](const char* source, const char* text) {
    return ackctl(
        {"send", "--proxy-v2", "--proxy-source", source, "127.0.0.1", std::to_string(port), text});
  };
  RunResult allowed = send_from("203.0.113.9:5000", "allowed");
  ASSERT_EQ(allowed.exit_code, 0) << allowed.err;
  EXPECT_EQ(allowed.out, "I got your message\n");
  for (const char* source : {"203.0.113.66:5000", "198.51.100.7:5000"}) {
    RunResult refused = send_from(source, "refused");
    EXPECT_NE(refused.exit_code, 0) << source;
    EXPECT_NE(refused.err.find("not admitted by allow/deny"), std::string::npos) << refused.err;
  }
  ASSERT_TRUE(daemon.wait_for_log("text=\"allowed\"")) << daemon.log();
  EXPECT_EQ(daemon.log().find("text=\"refused\""), std::string::npos) << daemon.log();
}

// max_connections_per_source counts the client each header names, not the
// proxy every connection comes from (127.0.0.1): two held connections fill
// 203.0.113.9's places, a third from it gets one ERR line and is not
// recorded, other clients are served, and a place freed is taken again.
// One serving process (fork mode: one dispatcher), which does the counting.
TEST_P(ProxyProtocol, ConnectionsPerSourceCountTheClientOfTheHeader) {
  uint16_t port = free_port();
  Daemon daemon(
      daemon_section() + (GetParam() == "fork" ? "dispatchers = 1\n" : "") +
      tcp_listener("tcp", port, "proxy_protocol = \"any\"\nmax_connections_per_source = 2\n"));
  std::vector<UniqueFd> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(connect_tcp(port));
    send_all(held.back().get(),
             "PROXY TCP4 203.0.113.9 127.0.0.1 " + std::to_string(5000 + i) + " 51717\r\nheld\n");
    ASSERT_EQ(read_line(held.back().get(), 5s), "I got your message");
  }
  auto send_from = [&](const char* source, const char* text) {
    return ackctl(
        {"send", "--proxy-v2", "--proxy-source", source, "127.0.0.1", std::to_string(port), text});
  };
  RunResult over = send_from("203.0.113.9:5002", "over");
  EXPECT_NE(over.exit_code, 0);
  EXPECT_NE(over.err.find("ERR too many connections from your address"), std::string::npos)
      << over.out << over.err;
  for (const char* other : {"203.0.113.10:5000", "198.51.100.7:5000"}) {
    EXPECT_EQ(send_from(other, "other").out, "I got your message\n") << other;
  }
  EXPECT_TRUE(daemon.wait_for_log("refused 203.0.113.9:5002: over max_connections_per_source"))
      << daemon.log();
  EXPECT_EQ(daemon.log().find("text=\"over\""), std::string::npos) << daemon.log();
  held.pop_back();  // closed: a place for the client again
  EXPECT_TRUE(wait_until(
      [&] { return send_from("203.0.113.9:5003", "again").out == "I got your message\n"; }, 5s,
      50ms));
}

TEST_P(ProxyProtocol, ABadHeaderGetsOneErrLine) {
  uint16_t port = free_port();
  Daemon daemon(daemon_section() + tcp_listener("tcp", port, "proxy_protocol = \"v2\"\n"));
  UniqueFd fd = connect_tcp(port);
  send_all(fd.get(), "hello\n");
  std::string reply = read_until_eof(fd.get(), 5s);
  EXPECT_EQ(reply.rfind("ERR bad PROXY header: ", 0), 0u) << reply;
  EXPECT_EQ(std::count(reply.begin(), reply.end(), '\n'), 1) << reply;
}

TEST_P(ProxyProtocol, AHeaderMustBeWholeWithinTheMessageTimeout) {
  uint16_t port = free_port();
  Daemon daemon(daemon_section() + "message_timeout = \"300ms\"\n" +
                tcp_listener("tcp", port, "proxy_protocol = \"v1\"\n"));
  UniqueFd fd = connect_tcp(port);
  send_all(fd.get(), "PROXY TCP4 ");
  EXPECT_EQ(read_until_eof(fd.get(), 5s), "ERR no complete PROXY header within message_timeout\n");
}

// Refusals are logged at most once per 10 s, in fork mode too, where each
// connection process reads its own header.
TEST_P(ProxyProtocol, RefusalsAreLoggedOncePerInterval) {
  uint16_t port = free_port();
  Daemon daemon(daemon_section() + tcp_listener("tcp", port, "proxy_protocol = \"v2\"\n"));
  for (int i = 0; i < 5; ++i) {
    UniqueFd fd = connect_tcp(port);
    send_all(fd.get(), "not a header\n");
    EXPECT_EQ(read_until_eof(fd.get(), 5s).rfind("ERR bad PROXY header: ", 0), 0u);
  }
  ASSERT_TRUE(daemon.wait_for_log("refused the connection of"));
  EXPECT_EQ(lines_with(daemon.log(), "refused the connection of").size(), 1u) << daemon.log();
}

// HAProxy's plain checks connect and close: no error in the log.
TEST_P(ProxyProtocol, AProbeThatSendsNothingIsNoError) {
  uint16_t port = free_port();
  Daemon daemon(daemon_section() + tcp_listener("tcp", port, "proxy_protocol = \"v2\"\n"));
  for (int i = 0; i < 3; ++i) connect_tcp(port);  // closed at once
  RunResult r = ackctl({"send", "--proxy-v2", "--proxy-source", "203.0.113.9:5000", "127.0.0.1",
                        std::to_string(port), "after"});
  EXPECT_EQ(r.out, "I got your message\n") << r.err;
  ASSERT_TRUE(daemon.wait_for_log("text=\"after\""));
  EXPECT_EQ(daemon.log().find("refused"), std::string::npos) << daemon.log();
}

TEST_P(ProxyProtocol, AUnixListenerTakesTheHeaderToo) {
  TempDir dir;
  std::string path = dir.path() + "/s";
  Daemon daemon(daemon_section() + unix_listener("unix", path, "proxy_protocol = \"v2\"\n"));
  RunResult r = ackctl(
      {"send", "--unix", path, "--proxy-v2", "--proxy-source", "203.0.113.9:5000", "overunix"});
  EXPECT_EQ(r.out, "I got your message\n") << r.err;
  ASSERT_TRUE(daemon.wait_for_log("text=\"overunix\"")) << daemon.log();
  std::string line = lines_with(daemon.log(), "text=\"overunix\"").front();
  EXPECT_NE(line.find("203.0.113.9:5000 via unix:" + path), std::string::npos) << line;
}

}  // namespace
}  // namespace ackd::test
