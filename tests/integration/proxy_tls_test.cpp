// A listener with both proxy_protocol and [listener.tls] (a TLS passthrough
// behind HAProxy's send-proxy-v2): the header comes first on the socket, in
// clear, then the TLS handshake. ackctl send and bench --proxy-v1/-v2 --tls
// play the proxy and the client; the record names the client of the header,
// the proxy, and the verified TLS name. A bad or late header is refused with
// an ERR line in clear, before any handshake; a handshake that does not end
// after the header is cut at message_timeout; allow/deny and
// max_connections_per_source judge the client of the header. Both process
// models.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tls_pki.h"
#include "tests/support/tls_session.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;
constexpr int kExitProtocol = 6;  // ackctl's (client/exit_codes.h)
const std::string kAck = "I got your message\n";

// A count of the daemon's (`ackctl status`: totals), 0 if unknown.
uint64_t counted(const Daemon& daemon, const char* field) {
  std::optional<DaemonStatus> status = daemon_status(daemon.control_socket());
  if (!status) return 0;
  return json_number(status->json, field, status->json.find("\"totals\"")).value_or(0);
}

std::string v1_header(const std::string& client_ip, int client_port = 5000) {
  return "PROXY TCP4 " + client_ip + " 127.0.0.1 " + std::to_string(client_port) + " 51717\r\n";
}

class ProxyTls : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (!openssl_available()) GTEST_SKIP() << "the openssl command is missing (install-deps)";
    pki_ = std::make_unique<TestPki>(dir_.path());
    sensor_ = pki_->issue("sensor", "sensor-1");
  }

  // One listener expecting `proxy` headers, then TLS with client
  // certificates required; `extra`: more listener keys.
  std::string config(const std::string& proxy = "any", const std::string& extra = "",
                     const std::string& daemon_extra = "") const {
    return std::string("[daemon]\nmode = \"") + GetParam() + "\"\nworkers = 1\ndispatchers = 1\n" +
           daemon_extra +
           tcp_listener("edge", port_, "proxy_protocol = \"" + proxy + "\"\n" + extra) +
           "[listener.tls]\ncertificate = \"" + pki_->server().certificate + "\"\nkey = \"" +
           pki_->server().key + "\"\nclient_ca = \"" + pki_->ca() +
           "\"\nverify_client = \"require\"\n";
  }

  // ackctl send through the listener as `source` announces, with TLS.
  RunResult send(const char* version, const std::string& source, const std::string& text) const {
    return ackctl({"send", version, "--proxy-source", source, "--tls", "--ca", pki_->ca(), "--cert",
                   sensor_.certificate, "--key", sensor_.key, "127.0.0.1", std::to_string(port_),
                   text});
  }

  // A TLS connection after a v1 header naming `client_ip`, held open.
  std::unique_ptr<TlsSession> session_from(const std::string& client_ip) const {
    return std::make_unique<TlsSession>(connect_tcp(port_), pki_->ca(), &sensor_,
                                        v1_header(client_ip));
  }

  TempDir dir_;
  std::unique_ptr<TestPki> pki_;
  CertFiles sensor_;
  uint16_t port_ = free_port();
};

INSTANTIATE_TEST_SUITE_P(Modes, ProxyTls, ::testing::Values("prefork", "fork"));

TEST_P(ProxyTls, AckctlSendsTheHeaderThenTlsAndTheRecordNamesAllThree) {
  Daemon daemon(config());
  for (const char* version : {"--proxy-v1", "--proxy-v2"}) {
    RunResult r = send(version, "203.0.113.9:5000", std::string("tls") + (version + 8));
    ASSERT_EQ(r.exit_code, 0) << version << ": " << r.err;
    EXPECT_EQ(r.out, kAck);
  }
  for (const char* text : {"tlsv1", "tlsv2"}) {
    ASSERT_TRUE(daemon.wait_for_log(std::string("text=\"") + text + "\"")) << daemon.log();
    std::string line = lines_with(daemon.log(), std::string("text=\"") + text + "\"").front();
    EXPECT_NE(line.find("peer=\"203.0.113.9:5000 via 127.0.0.1:"), std::string::npos) << line;
    EXPECT_NE(line.find(" tls=CN=sensor-1\""), std::string::npos) << line;
  }
}

TEST_P(ProxyTls, BenchSendsTheHeaderBeforeEachHandshake) {
  Daemon daemon(config("v2"));
  for (const char* mode : {"conn", "keep"}) {
    RunResult r = run({ACKCTL_BINARY,
                       "bench",
                       "--proxy-v2",
                       "--proxy-source",
                       "203.0.113.9:5000",
                       "--tls",
                       "--ca",
                       pki_->ca(),
                       "--cert",
                       sensor_.certificate,
                       "--key",
                       sensor_.key,
                       "--mode",
                       mode,
                       "--json",
                       "--messages",
                       "40",
                       "--concurrency",
                       "2",
                       "--threads",
                       "1",
                       "127.0.0.1",
                       std::to_string(port_)},
                      "", 30s);
    EXPECT_EQ(r.exit_code, 0) << mode << ": " << r.out << r.err;
    EXPECT_NE(r.out.find("\"acks\":40,"), std::string::npos) << mode << ": " << r.out;
    EXPECT_NE(r.out.find("\"errors\":0,"), std::string::npos) << mode << ": " << r.out;
  }
  EXPECT_TRUE(daemon.wait_for_log("peer=\"203.0.113.9:5000 via 127.0.0.1:")) << daemon.log();
}

// Without a header the ClientHello is no PROXY header: refused in clear,
// before any handshake (the client's TLS library cannot read the line).
TEST_P(ProxyTls, ABadHeaderIsRefusedInClearBeforeTheHandshake) {
  Daemon daemon(config("v2"));
  UniqueFd raw = connect_tcp(port_);
  send_all(raw.get(), "hello\n");
  std::string reply = read_until_eof(raw.get(), 5s);
  EXPECT_EQ(reply.rfind("ERR bad PROXY header: ", 0), 0u) << reply;

  RunResult r = ackctl({"send", "--tls", "--ca", pki_->ca(), "--cert", sensor_.certificate, "--key",
                        sensor_.key, "127.0.0.1", std::to_string(port_), "no header"});
  EXPECT_EQ(r.exit_code, kExitProtocol) << r.out << r.err;
  EXPECT_EQ(r.out.find("I got"), std::string::npos) << r.out;
  EXPECT_TRUE(daemon.wait_for_log("bad PROXY header")) << daemon.log();
  EXPECT_EQ(daemon.log().find("text=\"no header\""), std::string::npos) << daemon.log();
}

TEST_P(ProxyTls, AnUntrustedProxyIsRefusedBeforeTheHandshake) {
  Daemon daemon(config("any", "trusted_proxies = [\"10.0.0.0/8\"]\n"));
  RunResult r = send("--proxy-v2", "203.0.113.9:5000", "forged");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.out.find("I got"), std::string::npos) << r.out;
  EXPECT_TRUE(daemon.wait_for_log("PROXY header from an untrusted source")) << daemon.log();
  EXPECT_EQ(daemon.log().find("203.0.113.9"), std::string::npos) << daemon.log();
}

// The opening is the header and the handshake: both within message_timeout.
TEST_P(ProxyTls, AHandshakeThatNeverEndsAfterTheHeaderIsCutAtMessageTimeout) {
  Daemon daemon(config("v1", "defer_accept = \"0s\"\n", "message_timeout = \"1s\"\n"));
  UniqueFd silent = connect_tcp(port_);
  send_all(silent.get(), v1_header("203.0.113.9") + std::string("\x16\x03\x01", 3));
  EXPECT_TRUE(daemon.wait_for_log("timed out (message_timeout)", 15s)) << daemon.log();
  EXPECT_EQ(read_until_eof(silent.get(), 5s), "");
}

// A handshake that fails after the header is logged with the client the
// header names and the proxy it came through, not the proxy alone.
TEST_P(ProxyTls, AFailedHandshakeIsLoggedWithTheClientOfTheHeader) {
  Daemon daemon(config("v1"));
  UniqueFd raw = connect_tcp(port_);
  send_all(raw.get(), v1_header("203.0.113.9") + "not a TLS hello\n");
  EXPECT_TRUE(daemon.wait_for_log("TLS handshake with 203.0.113.9:5000 via 127.0.0.1:"))
      << daemon.log();
}

TEST_P(ProxyTls, AllowAndDenyJudgeTheClientOfTheHeader) {
  Daemon daemon(config("v2", "deny = [\"203.0.113.66\"]\n"));
  EXPECT_EQ(send("--proxy-v2", "203.0.113.9:5000", "admitted").out, kAck);
  RunResult denied = send("--proxy-v2", "203.0.113.66:5000", "denied");
  EXPECT_NE(denied.exit_code, 0);
  EXPECT_EQ(denied.out.find("I got"), std::string::npos) << denied.out;
  EXPECT_TRUE(daemon.wait_for_log("client 203.0.113.66:5000 not admitted")) << daemon.log();
  EXPECT_EQ(daemon.log().find("text=\"denied\""), std::string::npos) << daemon.log();
}

// The header's client is counted once the connection is open: one held
// connection fills 203.0.113.9's place, while every connection comes from
// the proxy's 127.0.0.1; the refusal is an ERR line the TLS client reads.
TEST_P(ProxyTls, ConnectionsPerSourceCountTheClientOfTheHeader) {
  Daemon daemon(config("any", "max_connections_per_source = 1\n"));
  std::unique_ptr<TlsSession> held = session_from("203.0.113.9");
  held->send("held\n");
  ASSERT_EQ(held->read_line(5s), "I got your message");
  RunResult over = send("--proxy-v2", "203.0.113.9:5001", "over");
  EXPECT_NE(over.exit_code, 0);
  EXPECT_NE(over.err.find("ERR too many connections from your address"), std::string::npos)
      << over.out << over.err;
  EXPECT_EQ(send("--proxy-v2", "203.0.113.10:5000", "other").out, kAck);
  held.reset();  // its place is free again
  EXPECT_TRUE(wait_until(
      [&] { return send("--proxy-v1", "203.0.113.9:5002", "again").out == kAck; }, 5s, 50ms));
}

// A check with check-send-proxy: a header, then the close before any TLS
// byte. A probe: counted as a connection, no failed handshake, no error.
TEST_P(ProxyTls, AProbeAfterTheHeaderIsNoError) {
  Daemon daemon(config("any"));
  for (int i = 0; i < 3; ++i) {
    UniqueFd probe = connect_tcp(port_);
    send_all(probe.get(), "PROXY UNKNOWN\r\n");
  }
  EXPECT_EQ(send("--proxy-v2", "203.0.113.9:5000", "after").out, kAck);
  ASSERT_TRUE(daemon.wait_for_log("text=\"after\""));
  EXPECT_TRUE(wait_until([&] { return counted(daemon, "connections") >= 4; }, 5s));
  EXPECT_EQ(counted(daemon, "errors"), 0u);
  EXPECT_EQ(daemon.log().find("TLS handshake"), std::string::npos) << daemon.log();
  EXPECT_EQ(daemon.log().find("refused"), std::string::npos) << daemon.log();
}

TEST_P(ProxyTls, AUnixListenerTakesTheHeaderThenTls) {
  std::string path = dir_.file("edge.sock");
  Daemon daemon(std::string("[daemon]\nmode = \"") + GetParam() + "\"\nworkers = 1\n" +
                unix_listener("edge", path, "proxy_protocol = \"v2\"\n") +
                "[listener.tls]\ncertificate = \"" + pki_->server().certificate + "\"\nkey = \"" +
                pki_->server().key + "\"\n");
  RunResult r = ackctl({"send", "--unix", path, "--proxy-v2", "--proxy-source", "203.0.113.9:5000",
                        "--tls", "--ca", pki_->ca(), "overunix"});
  EXPECT_EQ(r.out, kAck) << r.err;
  ASSERT_TRUE(daemon.wait_for_log("text=\"overunix\"")) << daemon.log();
  std::string line = lines_with(daemon.log(), "text=\"overunix\"").front();
  EXPECT_NE(line.find("203.0.113.9:5000 via unix:" + path), std::string::npos) << line;
}

}  // namespace
}  // namespace ackd::test
