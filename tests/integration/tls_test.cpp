// TLS listeners ([listener.tls]) through the real daemon, with certificates
// made by the `openssl` CLI and `openssl s_client` as the client: a client
// with a good certificate is served and named in the log; one without, with
// an expired one, from an unknown CA, or not on allowed_clients is refused
// with its reason logged; a plaintext client gets no ack; a handshake that
// never finishes is cut at message_timeout; SIGHUP loads a new certificate,
// and a bad new key keeps the old one. Prefork and fork modes alike.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <memory>
#include <thread>

#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"
#include "tests/support/spool_files.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tls_pki.h"
#include "tests/support/tls_session.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;
const std::string kAck = "I got your message\n";

// `openssl s_client` sending `input` with `client` certificate (if any),
// trusting `ca`. -quiet prints only what the server sent.
RunResult s_client(uint16_t port, const std::string& ca, const CertFiles* client,
                   const std::string& input = "hello\n", bool quiet = true) {
  std::vector<std::string> argv = {"openssl",
                                   "s_client",
                                   "-connect",
                                   "127.0.0.1:" + std::to_string(port),
                                   "-CAfile",
                                   ca,
                                   "-verify_return_error",
                                   "-servername",
                                   "localhost"};
  if (quiet) argv.push_back("-quiet");
  if (client != nullptr) {
    for (const std::string& a :
         {std::string("-cert"), client->certificate, std::string("-key"), client->key}) {
      argv.push_back(a);
    }
  }
  return run(argv, input, 10s);
}

// A count of the daemon's totals (`ackctl status`: "errors", "refused"), 0 if unknown.
uint64_t total(const Daemon& daemon, const char* key) {
  std::optional<DaemonStatus> status = daemon_status(daemon.control_socket());
  if (!status) return 0;
  return json_number(status->json, key, status->json.find("\"totals\"")).value_or(0);
}

// A refused handshake is a refusal (ackd_listener_refused_total{reason="tls_handshake"}),
// not an error.
bool refused_once(const Daemon& daemon) {
  return wait_until([&] { return total(daemon, "refused") == 1; }, 5s) &&
         total(daemon, "errors") == 0;
}

class Tls : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (!openssl_available()) GTEST_SKIP() << "the openssl command is missing (install-deps)";
    pki_ = std::make_unique<TestPki>(dir_.path());
  }

  // One listener; `tls` holds the [listener.tls] keys besides the server's files.
  std::string config(const std::string& tls, const CertFiles* server = nullptr,
                     const std::string& listener_extra = "") const {
    const CertFiles& files = server != nullptr ? *server : pki_->server();
    return std::string("[daemon]\nmode = \"") + GetParam() + "\"\nworkers = 1\n" +
           tcp_listener("secure", port_, "messages_per_connection = 1\n" + listener_extra) +
           "[listener.tls]\ncertificate = \"" + files.certificate + "\"\nkey = \"" + files.key +
           "\"\n" + tls;
  }
  std::string mutual(const std::string& extra = "") const {
    return config("client_ca = \"" + pki_->ca() + "\"\nverify_client = \"require\"\n" + extra);
  }

  TempDir dir_;
  std::unique_ptr<TestPki> pki_;
  uint16_t port_ = free_port();
};

TEST_P(Tls, ServerOnlyTlsServesAClientWithoutCertificate) {
  Daemon daemon(config(""));
  RunResult result = s_client(port_, pki_->ca(), nullptr);
  EXPECT_EQ(result.out, kAck) << result.err;
  EXPECT_TRUE(daemon.wait_for_log("text=\"hello\""));
}

TEST_P(Tls, GoodClientCertificateIsServedAndRecordedByName) {
  Daemon daemon(mutual());
  CertFiles sensor = pki_->issue("sensor", "sensor-1");
  RunResult result = s_client(port_, pki_->ca(), &sensor);
  EXPECT_EQ(result.out, kAck) << result.err;
  EXPECT_TRUE(daemon.wait_for_log(" tls=CN=sensor-1\"")) << daemon.log();
}

TEST_P(Tls, AllowedClientsAdmitsByDnsName) {
  Daemon daemon(mutual("allowed_clients = [\"DNS:sensor-2.example\"]\n"));
  CertFiles sensor = pki_->issue("sensor", "sensor-2", "sensor-2.example");
  RunResult result = s_client(port_, pki_->ca(), &sensor);
  EXPECT_EQ(result.out, kAck) << result.err;
  EXPECT_TRUE(daemon.wait_for_log(" tls=DNS:sensor-2.example\"")) << daemon.log();
}

TEST_P(Tls, ClientNotOnAllowedClientsIsRefused) {
  Daemon daemon(mutual("allowed_clients = [\"CN=sensor-1\"]\n"));
  CertFiles other = pki_->issue("other", "sensor-9");
  RunResult result = s_client(port_, pki_->ca(), &other);
  EXPECT_EQ(result.out.find("I got"), std::string::npos);
  EXPECT_TRUE(daemon.wait_for_log("client CN=sensor-9 is not on allowed_clients")) << daemon.log();
}

TEST_P(Tls, ClientWithoutCertificateIsRefused) {
  Daemon daemon(mutual());
  RunResult result = s_client(port_, pki_->ca(), nullptr);
  EXPECT_EQ(result.out.find("I got"), std::string::npos);
  EXPECT_TRUE(daemon.wait_for_log("peer did not return a certificate")) << daemon.log();
  EXPECT_TRUE(refused_once(daemon));
}

TEST_P(Tls, ExpiredClientCertificateIsRefused) {
  Daemon daemon(mutual());
  CertFiles expired = pki_->issue("expired", "sensor-1", "", /*expired=*/true);
  RunResult result = s_client(port_, pki_->ca(), &expired);
  EXPECT_EQ(result.out.find("I got"), std::string::npos);
  EXPECT_TRUE(daemon.wait_for_log("certificate has expired")) << daemon.log();
}

TEST_P(Tls, ClientFromAnUnknownCaIsRefused) {
  Daemon daemon(mutual());
  CertFiles stranger = pki_->issue("stranger", "sensor-1", "", false, /*foreign=*/true);
  RunResult result = s_client(port_, pki_->ca(), &stranger);
  EXPECT_EQ(result.out.find("I got"), std::string::npos);
  EXPECT_TRUE(daemon.wait_for_log("unable to get local issuer certificate")) << daemon.log();
}

TEST_P(Tls, PlaintextClientGetsNoAck) {
  Daemon daemon(config(""));
  std::string reply;
  try {
    reply = tcp_exchange(port_, "hello\n", 5s);
  } catch (const std::exception&) {
    // a reset is no ack either
  }
  EXPECT_EQ(reply.find("I got"), std::string::npos) << reply;
  EXPECT_TRUE(daemon.wait_for_log("TLS handshake with 127.0.0.1:")) << daemon.log();
  EXPECT_EQ(daemon.log().find("text=\"hello\""), std::string::npos);
}

TEST_P(Tls, HandshakeThatNeverEndsIsCutAtMessageTimeout) {
  std::string text = config("", nullptr, "defer_accept = \"0s\"\n");
  text.replace(text.find("workers = 1\n"), 12, "workers = 1\nmessage_timeout = \"1s\"\n");
  Daemon daemon(text);
  UniqueFd silent = connect_tcp(port_);
  send_all(silent.get(), std::string("\x16\x03\x01", 3));  // the start of a ClientHello
  EXPECT_TRUE(daemon.wait_for_log("timed out (message_timeout)", 15s)) << daemon.log();
  EXPECT_TRUE(refused_once(daemon));
  EXPECT_EQ(read_until_eof(silent.get(), 5s), "");
}

// The workers drop privileges (as root, to "nobody") and never open the
// key: the master read it. A key only root may read is served.
TEST_P(Tls, KeyReadableByRootAloneIsServed) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (the master reads the key as root)";
  ASSERT_EQ(chmod(pki_->server().key.c_str(), 0400), 0);
  ASSERT_EQ(chmod(dir_.path().c_str(), 0700), 0);  // nobody cannot even reach it
  Daemon daemon(config(""));
  for (const ProcessInfo& child : children_of(daemon.pid())) {
    EXPECT_NE(child.uid, 0u) << "worker " << child.pid << " runs as root";
  }
  EXPECT_EQ(s_client(port_, pki_->ca(), nullptr).out, kAck);
}

// The spool records the client as the log does: address and TLS name.
TEST_P(Tls, SpoolRecordsTheVerifiedName) {
  TempDir scratch;
  std::string spool = scratch.file("spool");
  std::string text = spool_config(port_, spool, "write", "", GetParam()) +
                     "messages_per_connection = 1\n[listener.tls]\ncertificate = \"" +
                     pki_->server().certificate + "\"\nkey = \"" + pki_->server().key +
                     "\"\nclient_ca = \"" + pki_->ca() + "\"\nverify_client = \"require\"\n";
  Daemon daemon(text);
  CertFiles sensor = pki_->issue("sensor", "sensor-1");
  EXPECT_EQ(s_client(port_, pki_->ca(), &sensor).out, kAck);
  RunResult cat = run({ACKCTL_BINARY, "spool", "cat", "--json", spool}, "", 30s);
  EXPECT_NE(cat.out.find(" tls=CN=sensor-1\""), std::string::npos) << cat.out << cat.err;
}

// The certificate a client sees: s_client prints its subject.
std::string served_subject(uint16_t port, const std::string& ca) {
  RunResult result = s_client(port, ca, nullptr, "", /*quiet=*/false);
  size_t at = result.out.find("subject=");
  return at == std::string::npos ? "" : result.out.substr(at, result.out.find('\n', at) - at);
}

TEST_P(Tls, ReloadServesTheNewCertificateAndABadKeyKeepsTheOld) {
  Daemon daemon(config(""));
  EXPECT_EQ(served_subject(port_, pki_->ca()), "subject=CN = localhost");
  CertFiles renewed = pki_->issue("renewed", "renewed.localhost", "localhost");
  rewrite_config(daemon, config("", &renewed));
  daemon.signal(SIGHUP);
  EXPECT_TRUE(wait_until(
      [&] { return served_subject(port_, pki_->ca()) == "subject=CN = renewed.localhost"; }, 10s));

  daemon.allow_errors();
  CertFiles mismatched{renewed.certificate, pki_->server().key};
  rewrite_config(daemon, config("", &mismatched));
  daemon.signal(SIGHUP);
  EXPECT_TRUE(daemon.wait_for_log("does not match the certificate")) << daemon.log();
  EXPECT_TRUE(daemon.wait_for_log("reload failed"));
  EXPECT_EQ(served_subject(port_, pki_->ca()), "subject=CN = renewed.localhost");
  EXPECT_EQ(s_client(port_, pki_->ca(), nullptr).out, kAck);
}

// A new certificate while clients connect and handshake all the time: no
// connection is refused or cut (the old workers finish theirs, the new ones
// take the next), and the new certificate is served after.
TEST_P(Tls, ReloadUnderLoadRefusesNoConnection) {
  Daemon daemon(config(""));
  RunResult load;
  std::thread bench([&] {
    load = run({ACKCTL_BINARY, "bench", "--tls", "--ca", pki_->ca(), "--mode", "conn", "--json",
                "--duration", "3s", "--concurrency", "4", "--threads", "1", "127.0.0.1",
                std::to_string(port_)},
               "", 30s);
  });
  EXPECT_TRUE(daemon.wait_for_log("text=\"ackctl bench"));
  CertFiles renewed = pki_->issue("renewed", "renewed.localhost", "localhost");
  rewrite_config(daemon, config("", &renewed));
  daemon.signal(SIGHUP);
  EXPECT_TRUE(daemon.wait_for_log("reloaded: generation 2"));
  bench.join();
  EXPECT_EQ(load.exit_code, 0) << load.out << load.err;
  EXPECT_NE(load.out.find("\"errors\":0,"), std::string::npos) << load.out;
  EXPECT_EQ(load.out.find("\"acks\":0,"), std::string::npos) << load.out;
  EXPECT_EQ(served_subject(port_, pki_->ca()), "subject=CN = renewed.localhost");
}

// A connection open across a reload that changes the certificate keeps its
// session: its next message is served on it (by the old worker, which then
// closes it, draining), with the old certificate; a new connection gets the
// new one, told apart by subject and serial.
TEST_P(Tls, AConnectionOpenAcrossAReloadKeepsItsCertificate) {
  auto keep_alive = [&](const CertFiles* server) {
    std::string text = config("", server);
    return text.erase(text.find("messages_per_connection = 1\n"), 28);
  };
  Daemon daemon(keep_alive(nullptr));
  TlsSession before(connect_tcp(port_), pki_->ca());
  const std::string old_serial = before.serial();
  EXPECT_EQ(before.subject(), "CN=localhost");
  before.send("before\n");
  ASSERT_EQ(before.read_line(5s), "I got your message");

  CertFiles renewed = pki_->issue("renewed", "renewed.localhost", "localhost");
  rewrite_config(daemon, keep_alive(&renewed));
  daemon.signal(SIGHUP);
  ASSERT_TRUE(daemon.wait_for_log("reloaded: generation 2")) << daemon.log();
  std::string new_serial;
  EXPECT_TRUE(wait_until(
      [&] {
        TlsSession after(connect_tcp(port_), pki_->ca());
        new_serial = after.serial();
        after.send("after\n");
        return after.subject() == "CN=renewed.localhost" &&
               after.read_line(5s) == "I got your message";
      },
      10s));
  EXPECT_NE(new_serial, old_serial);

  before.send("across the reload\n");
  EXPECT_EQ(before.read_line(5s), "I got your message");
  EXPECT_EQ(before.subject(), "CN=localhost");
  EXPECT_EQ(before.serial(), old_serial);
  EXPECT_TRUE(before.ends_within(5s));  // retired: closed with the ack it was owed
  EXPECT_TRUE(daemon.wait_for_log("text=\"across the reload\"")) << daemon.log();
}

// The per-source message rate holds on a TLS listener too: the stream
// names its client's address for the limits.
TEST_P(Tls, MessagesOverTheSourcesRateAreRefused) {
  Daemon daemon(config("", nullptr, "max_messages_per_second_per_source = 1\n"));  // burst 1
  std::string replies;
  for (int i = 0; i < 2; ++i) {
    TlsSession session(connect_tcp(port_), pki_->ca());
    session.send("hello\n");
    replies += session.read_line(5s) + "\n";
  }
  EXPECT_EQ(replies, "I got your message\nERR rate limited\n");
}

// A health check that connects and closes without a byte (HAProxy's, a
// Kubernetes tcpSocket probe) is no failed handshake: not logged, no error.
TEST_P(Tls, AProbeWithoutAByteIsNoError) {
  Daemon daemon(config(""));
  for (int i = 0; i < 3; ++i) connect_tcp(port_);  // closed at once
  EXPECT_EQ(s_client(port_, pki_->ca(), nullptr).out, kAck);
  EXPECT_TRUE(daemon.wait_for_log("text=\"hello\""));
  EXPECT_TRUE(wait_until([&] { return total(daemon, "connections") >= 4; }, 5s));
  EXPECT_EQ(daemon.log().find("TLS handshake"), std::string::npos) << daemon.log();
  EXPECT_EQ(total(daemon, "errors"), 0u);
  EXPECT_EQ(total(daemon, "refused"), 0u);
}

INSTANTIATE_TEST_SUITE_P(Modes, Tls, ::testing::Values("prefork", "fork"));

// --check-config loads the files as the start would: readable, PEM, and
// the key matching the certificate; each problem names its key.
TEST(TlsCheckConfig, LoadsAndChecksTheFiles) {
  if (!openssl_available()) GTEST_SKIP() << "the openssl command is missing (install-deps)";
  TempDir dir;
  TestPki pki(dir.path());
  CertFiles other = pki.issue("other", "other");
  auto check = [&](const std::string& certificate, const std::string& key) {
    std::string path = dir.file("ackd.conf");
    std::ofstream(path) << tcp_listener("secure", free_port()) << "[listener.tls]\ncertificate = \""
                        << certificate << "\"\nkey = \"" << key << "\"\n";
    return run({ACKD_BINARY, "--check-config", "--config", path});
  };
  RunResult good = check(pki.server().certificate, pki.server().key);
  EXPECT_EQ(good.exit_code, 0) << good.err;

  RunResult mismatched = check(pki.server().certificate, other.key);
  EXPECT_NE(mismatched.exit_code, 0);
  EXPECT_NE(mismatched.err.find("ackd.conf:7:7: listener[0].tls.key: \"" + other.key +
                                "\" does not match the certificate"),
            std::string::npos)
      << mismatched.err;

  RunResult missing = check(dir.file("none.pem"), pki.server().key);
  EXPECT_NE(missing.err.find("listener[0].tls.certificate: cannot open \"" + dir.file("none.pem") +
                             "\": No such file or directory"),
            std::string::npos)
      << missing.err;

  RunResult not_pem = check(pki.server().certificate, dir.file("other.ext"));
  EXPECT_NE(not_pem.err.find("listener[0].tls.key: no PEM private key"), std::string::npos)
      << not_pem.err;
}

}  // namespace
}  // namespace ackd::test
