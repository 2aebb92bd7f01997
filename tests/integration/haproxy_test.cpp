// ackd behind a real HAProxy (Debian's haproxy 2.6) on loopback, clients
// coming from distinct loopback sources (127.0.0.2, 127.0.0.3). Without the
// PROXY protocol ackd records HAProxy's address for every message; with
// send-proxy-v2 and proxy_protocol = "v2", each client's, on a plain
// listener and on a TLS one that HAProxy passes TLS through to.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <csignal>
#include <string>

#include "common/syscall.h"
#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/haproxy.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tls_pki.h"
#include "tests/support/tls_session.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;

#define SKIP_WITHOUT_HAPROXY()                                                           \
  if (Haproxy::program().empty())                                                        \
  GTEST_SKIP() << "haproxy is not installed (scripts/install-deps installs it: apt-get " \
                  "install haproxy)"

// A connection from `source` (a loopback address) to 127.0.0.1:port.
UniqueFd connect_from(const char* source, uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("socket", source);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  inet_pton(AF_INET, source, &local.sin_addr);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
    throw_errno("bind", source);
  }
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  remote.sin_port = htons(port);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&remote), sizeof(remote)) != 0) {
    throw_errno("connect", "127.0.0.1:" + std::to_string(port));
  }
  return fd;
}

// One message over a connection from `source` to 127.0.0.1:port; the
// reply, read until EOF.
std::string exchange_from(const char* source, uint16_t port, std::string_view message) {
  UniqueFd fd = connect_from(source, port);
  send_all(fd.get(), message);
  ::shutdown(fd.get(), SHUT_WR);
  return read_until_eof(fd.get(), 5s);
}

// A listen section: HAProxy on `front`, one server (ackd) on `back`.
std::string listen_section(uint16_t front, uint16_t back, const std::string& server_options) {
  return "listen fleet\n"
         "  bind 127.0.0.1:" +
         std::to_string(front) +
         "\n"
         "  server a 127.0.0.1:" +
         std::to_string(back) + " check inter 200ms " + server_options + "\n";
}

// The log line of the message `text` (empty if there is none).
std::string message_line(const Daemon& daemon, const std::string& text) {
  if (!daemon.wait_for_log("text=\"" + text + "\"")) return "";
  return lines_with(daemon.log(), "text=\"" + text + "\"").front();
}

// Without the PROXY protocol, every message seems to come from HAProxy.
TEST(Haproxy, WithoutProxyProtocolAckdRecordsHaproxysAddress) {
  SKIP_WITHOUT_HAPROXY();
  uint16_t back = free_port(), front = free_port();
  Daemon daemon("[daemon]\nworkers = 1\n" + tcp_listener("tcp", back));
  Haproxy haproxy(listen_section(front, back, ""), {front});
  ASSERT_TRUE(wait_until([&] { return haproxy.server_status("fleet", "a") == "UP"; }, 10s))
      << haproxy.command("show stat");
  EXPECT_EQ(exchange_from("127.0.0.2", front, "from-two\n"), "I got your message\n");
  EXPECT_EQ(exchange_from("127.0.0.3", front, "from-three\n"), "I got your message\n");
  for (const char* text : {"from-two", "from-three"}) {
    std::string line = message_line(daemon, text);
    ASSERT_FALSE(line.empty()) << daemon.log();
    EXPECT_NE(line.find("peer=127.0.0.1:"), std::string::npos) << line;  // HAProxy's address
    EXPECT_EQ(line.find("127.0.0.2"), std::string::npos) << line;        // the client's: lost
    EXPECT_EQ(line.find("127.0.0.3"), std::string::npos) << line;
  }
}

// With send-proxy-v2 and proxy_protocol = "v2", each message is recorded
// with its client's address (and HAProxy's, as the proxy it came through).
TEST(Haproxy, SendProxyV2RecordsTheClientsAddress) {
  SKIP_WITHOUT_HAPROXY();
  uint16_t back = free_port(), front = free_port();
  std::string config =
      "[daemon]\nworkers = 1\n" + tcp_listener("tcp", back, "proxy_protocol = \"v2\"\n");
  Daemon daemon(config);
  Haproxy haproxy(listen_section(front, back, "send-proxy-v2 check-send-proxy"), {front});
  ASSERT_TRUE(wait_until([&] { return haproxy.server_status("fleet", "a") == "UP"; }, 10s))
      << haproxy.command("show stat");
  EXPECT_EQ(exchange_from("127.0.0.2", front, "from-two\n"), "I got your message\n");
  EXPECT_EQ(exchange_from("127.0.0.3", front, "from-three\n"), "I got your message\n");
  EXPECT_NE(message_line(daemon, "from-two").find("127.0.0.2"), std::string::npos) << daemon.log();
  EXPECT_NE(message_line(daemon, "from-three").find("127.0.0.3"), std::string::npos);
}

// Only HAProxy (127.0.0.1) is trusted: a client from 127.0.0.2 that
// connects to ackd directly with a forged header is refused, and the
// address it forged appears nowhere; the same client through HAProxy is
// recorded as itself.
TEST(Haproxy, AForgedHeaderFromAnUntrustedSourceIsRefused) {
  SKIP_WITHOUT_HAPROXY();
  uint16_t back = free_port(), front = free_port();
  Daemon daemon("[daemon]\nworkers = 1\n" +
                tcp_listener("tcp", back,
                             "proxy_protocol = \"any\"\ntrusted_proxies = [\"127.0.0.1/32\"]\n"));
  Haproxy haproxy(listen_section(front, back, "send-proxy-v2 check-send-proxy"), {front});
  ASSERT_TRUE(wait_until([&] { return haproxy.server_status("fleet", "a") == "UP"; }, 10s))
      << haproxy.command("show stat");
  EXPECT_EQ(
      exchange_from("127.0.0.2", back, "PROXY TCP4 198.51.100.66 127.0.0.1 4000 51717\r\nforged\n"),
      "ERR PROXY header from an untrusted source\n");
  EXPECT_EQ(exchange_from("127.0.0.2", front, "honest\n"), "I got your message\n");
  std::string line = message_line(daemon, "honest");
  EXPECT_NE(line.find("peer=\"127.0.0.2:"), std::string::npos) << line;
  EXPECT_TRUE(daemon.wait_for_log("refused the connection of 127.0.0.2:"));
  EXPECT_EQ(daemon.log().find("198.51.100.66"), std::string::npos) << daemon.log();
  EXPECT_EQ(daemon.log().find("forged"), std::string::npos) << daemon.log();
}

// HAProxy's unique id (unique-id-format, proxy-v2-options unique-id) is
// recorded with the client: PP2_TYPE_UNIQUE_ID.
TEST(Haproxy, TheUniqueIdOfTheConnectionIsRecorded) {
  SKIP_WITHOUT_HAPROXY();
  uint16_t back = free_port(), front = free_port();
  Daemon daemon("[daemon]\nworkers = 1\n" + tcp_listener("tcp", back, "proxy_protocol = \"v2\"\n"));
  Haproxy haproxy("listen fleet\n  bind 127.0.0.1:" + std::to_string(front) +
                      "\n  unique-id-format req-%ci-%cp\n  server a 127.0.0.1:" +
                      std::to_string(back) + " send-proxy-v2 proxy-v2-options unique-id\n",
                  {front});
  EXPECT_EQ(exchange_from("127.0.0.2", front, "with-id\n"), "I got your message\n");
  std::string line = message_line(daemon, "with-id");
  EXPECT_NE(line.find(" id=req-127.0.0.2-"), std::string::npos) << line;
}

// A unix stream listener behind HAProxy (server on the socket's path, with
// send-proxy-v2): each message names its TCP client, via the socket.
TEST(Haproxy, UnixListenerWithSendProxyV2RecordsTheClient) {
  SKIP_WITHOUT_HAPROXY();
  uint16_t front = free_port();
  TempDir dir;
  std::string path = dir.path() + "/ackd.sock";
  Daemon daemon("[daemon]\nworkers = 1\n" +
                unix_listener("local", path, "proxy_protocol = \"v2\"\n"));
  Haproxy haproxy("listen fleet\n  bind 127.0.0.1:" + std::to_string(front) + "\n  server a unix@" +
                      path + " check inter 200ms send-proxy-v2 check-send-proxy\n",
                  {front});
  ASSERT_TRUE(wait_until([&] { return haproxy.server_status("fleet", "a") == "UP"; }, 10s))
      << haproxy.command("show stat");
  EXPECT_EQ(exchange_from("127.0.0.3", front, "over-unix\n"), "I got your message\n");
  std::string line = message_line(daemon, "over-unix");
  EXPECT_NE(line.find("peer=\"127.0.0.3:"), std::string::npos) << line;
  EXPECT_NE(line.find(" via unix:" + path), std::string::npos) << line;
}

// TLS passthrough: HAProxy in TCP mode does not terminate TLS; it sends
// the PROXY v2 header, then relays the client's TLS bytes to an ackd TLS
// listener, which verifies the client's certificate itself. Its checks
// (a LOCAL header, then the close) are probes, not failed handshakes. Each
// message is recorded with its client, HAProxy, and the client's TLS name.
TEST(Haproxy, SendProxyV2InFrontOfATlsListener) {
  SKIP_WITHOUT_HAPROXY();
  if (!openssl_available()) GTEST_SKIP() << "the openssl command is missing (install-deps)";
  TempDir dir;
  TestPki pki(dir.path());
  CertFiles sensor = pki.issue("sensor", "sensor-1");
  uint16_t back = free_port(), front = free_port();
  Daemon daemon("[daemon]\nworkers = 1\n" + tcp_listener("tcp", back, "proxy_protocol = \"v2\"\n") +
                "[listener.tls]\ncertificate = \"" + pki.server().certificate + "\"\nkey = \"" +
                pki.server().key + "\"\nclient_ca = \"" + pki.ca() +
                "\"\nverify_client = \"require\"\n");
  Haproxy haproxy(listen_section(front, back, "send-proxy-v2 check-send-proxy"), {front});
  ASSERT_TRUE(wait_until([&] { return haproxy.server_status("fleet", "a") == "UP"; }, 10s))
      << haproxy.command("show stat");

  RunResult r = ackctl({"send", "--tls", "--ca", pki.ca(), "--cert", sensor.certificate, "--key",
                        sensor.key, "127.0.0.1", std::to_string(front), "through-haproxy"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "I got your message\n");
  TlsSession session(connect_from("127.0.0.2", front), pki.ca(), &sensor);
  EXPECT_EQ(session.subject(), "CN=localhost");  // ackd's certificate: HAProxy passed TLS on
  session.send("from-two\n");
  EXPECT_EQ(session.read_line(5s), "I got your message");

  std::string line = message_line(daemon, "through-haproxy");
  EXPECT_NE(line.find("peer=\"127.0.0.1:"), std::string::npos) << line;
  EXPECT_NE(line.find(" via 127.0.0.1:"), std::string::npos) << line;
  EXPECT_NE(line.find(" tls=CN=sensor-1\""), std::string::npos) << line;
  line = message_line(daemon, "from-two");
  EXPECT_NE(line.find("peer=\"127.0.0.2:"), std::string::npos) << daemon.log();
  EXPECT_NE(line.find(" tls=CN=sensor-1\""), std::string::npos) << line;
  EXPECT_EQ(daemon.log().find("TLS handshake"), std::string::npos) << daemon.log();
}

// The haproxy-agent service on a port of its own, HAProxy's agent-check on
// it: UP while ackd serves, DRAIN during drain_before_stop (new clients
// go elsewhere while ackd still answers), and the messages still acked.
TEST(Haproxy, AgentCheckSeesTheServerDrainBeforeTheStop) {
  SKIP_WITHOUT_HAPROXY();
  uint16_t back = free_port(), agent = free_port(), front = free_port();
  Daemon daemon("[daemon]\nworkers = 1\ndrain_before_stop = \"3s\"\n" + tcp_listener("tcp", back) +
                tcp_listener("agent", agent, "service = \"haproxy-agent\"\n"));
  UniqueFd direct = connect_tcp(agent);  // as HAProxy: connect, read a line
  EXPECT_EQ(read_until_eof(direct.get(), 5s), "up ready\n");
  Haproxy haproxy(
      listen_section(front, back,
                     "agent-check agent-port " + std::to_string(agent) + " agent-inter 100ms"),
      {front});
  ASSERT_TRUE(wait_until([&] { return haproxy.server_status("fleet", "a") == "UP"; }, 10s))
      << haproxy.command("show stat");
  daemon.signal(SIGTERM);
  // "DRAIN (agent)": the agent set it.
  ASSERT_TRUE(
      wait_until([&] { return haproxy.server_status("fleet", "a") == "DRAIN (agent)"; }, 3s))
      << haproxy.command("show stat") << daemon.log();
  EXPECT_EQ(tcp_exchange(back, "still served while draining\n"), "I got your message\n");
  ASSERT_TRUE(daemon.wait_for(10s));
}

}  // namespace
}  // namespace ackd::test
