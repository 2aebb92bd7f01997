// ackctl send and bench --tls (--ca, --cert, --key, --servername): against ackd with
// client certificates required, and against a TLS server that is not ackd
// (`openssl s_server -rev`, which answers each line reversed); a server
// certificate from another CA or for another name fails the handshake
// (exit 6, reason printed); the TLS options are usage-checked.
#include <gtest/gtest.h>

#include <memory>

#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tls_pki.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;
constexpr int kExitUsage = 2;  // ackctl's exit codes (client/exit_codes.h)
constexpr int kExitProtocol = 6;

class AckctlTls : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!openssl_available()) GTEST_SKIP() << "the openssl command is missing (install-deps)";
    pki_ = std::make_unique<TestPki>(dir_.path());
  }

  std::string mutual_config() const {
    return tcp_listener("secure", port_) + "[listener.tls]\ncertificate = \"" +
           pki_->server().certificate + "\"\nkey = \"" + pki_->server().key + "\"\nclient_ca = \"" +
           pki_->ca() + "\"\nverify_client = \"require\"\n";
  }

  // `openssl s_server -rev` on port_, serving `server`; waits until it listens.
  std::unique_ptr<Subprocess> s_server(const CertFiles& server) const {
    auto process = std::make_unique<Subprocess>(
        std::vector<std::string>{"openssl", "s_server", "-accept",
                                 "127.0.0.1:" + std::to_string(port_), "-cert", server.certificate,
                                 "-key", server.key, "-rev", "-quiet"},
        std::vector<std::string>{}, dir_.file("s_server.log"), dir_.file("s_server.log"));
    EXPECT_TRUE(wait_until([&] { return tcp_port_listening(port_); }, 5s));
    return process;
  }

  TempDir dir_;
  std::unique_ptr<TestPki> pki_;
  uint16_t port_ = free_port();
};

TEST_F(AckctlTls, SendsWithAClientCertificateToAckd) {
  Daemon daemon(mutual_config());
  CertFiles sensor = pki_->issue("sensor", "sensor-1");
  RunResult r = ackctl({"send", "--tls", "--ca", pki_->ca(), "--cert", sensor.certificate, "--key",
                        sensor.key, "127.0.0.1", std::to_string(port_), "hello"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "I got your message\n");
  EXPECT_TRUE(daemon.wait_for_log(" tls=CN=sensor-1\""));
}

// A unix stream listener speaks TLS too; no host name is checked there.
TEST_F(AckctlTls, SendsOverAUnixSocket) {
  std::string path = dir_.file("tls.sock");
  Daemon daemon(unix_listener("local", path) + "[listener.tls]\ncertificate = \"" +
                pki_->server().certificate + "\"\nkey = \"" + pki_->server().key + "\"\n");
  RunResult r = ackctl({"send", "--tls", "--ca", pki_->ca(), "--unix", path, "hello"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "I got your message\n");
  EXPECT_TRUE(daemon.wait_for_log("peer=unix:" + path));
}

TEST_F(AckctlTls, ManyMessagesOnOneConnection) {
  Daemon daemon(mutual_config());
  CertFiles sensor = pki_->issue("sensor", "sensor-1");
  std::string input;
  for (int i = 0; i < 200; ++i) input += "message " + std::to_string(i) + "\n";
  RunResult r = run({ACKCTL_BINARY, "send", "--tls", "--ca", pki_->ca(), "--cert",
                     sensor.certificate, "--key", sensor.key, "127.0.0.1", std::to_string(port_)},
                    input);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  size_t acks = 0;
  for (size_t at = r.out.find("I got your message"); at != std::string::npos;
       at = r.out.find("I got your message", at + 1)) {
    ++acks;
  }
  EXPECT_EQ(acks, 200u);
}

TEST_F(AckctlTls, RefusedWithoutClientCertificate) {
  Daemon daemon(mutual_config());
  RunResult r =
      ackctl({"send", "--tls", "--ca", pki_->ca(), "127.0.0.1", std::to_string(port_), "hello"});
  EXPECT_EQ(r.exit_code, kExitProtocol) << r.out << r.err;
  EXPECT_EQ(r.out.find("I got"), std::string::npos);
}

TEST_F(AckctlTls, TalksToOpensslSServer) {
  auto server = s_server(pki_->server());
  RunResult r = ackctl({"send", "--tls", "--ca", pki_->ca(), "127.0.0.1", std::to_string(port_),
                        "egassem ruoy tog I"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "I got your message\n");
}

TEST_F(AckctlTls, ServerFromAnotherCaOrNameFailsTheHandshake) {
  CertFiles foreign = pki_->issue("foreign", "localhost", "localhost", false, /*foreign=*/true);
  auto server = s_server(foreign);
  RunResult r =
      ackctl({"send", "--tls", "--ca", pki_->ca(), "127.0.0.1", std::to_string(port_), "x"});
  EXPECT_EQ(r.exit_code, kExitProtocol);
  EXPECT_NE(r.err.find("TLS handshake with 127.0.0.1:" + std::to_string(port_) + " failed"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("certificate verify failed"), std::string::npos) << r.err;
}

TEST_F(AckctlTls, ServernameIsChecked) {
  auto server = s_server(pki_->server());  // for localhost and 127.0.0.1
  RunResult r = ackctl({"send", "--tls", "--ca", pki_->ca(), "--servername", "elsewhere.example",
                        "127.0.0.1", std::to_string(port_), "x"});
  EXPECT_EQ(r.exit_code, kExitProtocol);
  EXPECT_NE(r.err.find("hostname mismatch"), std::string::npos) << r.err;
}

// A number field of bench's one-line JSON object; -1 if missing.
int64_t json_field(const std::string& json, const std::string& field) {
  size_t at = json.find("\"" + field + "\":");
  if (at == std::string::npos) return -1;
  return std::stoll(json.substr(at + field.size() + 3));
}

TEST_F(AckctlTls, BenchHandshakesInEveryStreamMode) {
  Daemon daemon(mutual_config());
  CertFiles sensor = pki_->issue("sensor", "sensor-1");
  for (const char* mode : {"conn", "keep"}) {
    RunResult r = run({ACKCTL_BINARY,
                       "bench",
                       "--tls",
                       "--ca",
                       pki_->ca(),
                       "--cert",
                       sensor.certificate,
                       "--key",
                       sensor.key,
                       "--mode",
                       mode,
                       "--json",
                       "--duration",
                       "500ms",
                       "--concurrency",
                       "4",
                       "--threads",
                       "2",
                       "127.0.0.1",
                       std::to_string(port_)},
                      "", 20s);
    EXPECT_EQ(r.exit_code, 0) << mode << ": " << r.out << r.err;
    EXPECT_GT(json_field(r.out, "acks"), 0) << mode << ": " << r.out;
    EXPECT_EQ(json_field(r.out, "errors"), 0) << mode << ": " << r.out;
  }
}

TEST_F(AckctlTls, BenchWithoutClientCertificateCountsErrors) {
  Daemon daemon(mutual_config());
  RunResult r = run({ACKCTL_BINARY, "bench", "--tls", "--ca", pki_->ca(), "--mode", "conn",
                     "--json", "--messages", "4", "--concurrency", "2", "--threads", "1",
                     "127.0.0.1", std::to_string(port_)},
                    "", 20s);
  EXPECT_EQ(json_field(r.out, "acks"), 0) << r.out << r.err;
  EXPECT_GT(json_field(r.out, "errors"), 0) << r.out;
}

TEST(AckctlTlsUsage, OptionsAreChecked) {
  struct Case {
    std::vector<std::string> args;
    const char* expected;
  };
  const Case cases[] = {
      {{"--ca", "/x.pem", "127.0.0.1", "1", "m"}, "need --tls"},
      {{"--tls", "--udp", "127.0.0.1", "1", "m"}, "--tls is for streams"},
      {{"--tls", "--cert", "/c.pem", "127.0.0.1", "1", "m"}, "--cert and --key go together"},
      {{"--tls", "--ca", "/nonexistent.pem", "127.0.0.1", "1", "m"}, "--ca /nonexistent.pem"},
  };
  const Case bench_cases[] = {
      {{"--servername", "x", "127.0.0.1", "1"}, "need --tls"},
      {{"--tls", "--mode", "udp", "127.0.0.1", "1"}, "--tls is for the stream modes"},
      {{"--tls", "--key", "/k.pem", "127.0.0.1", "1"}, "--cert and --key go together"},
  };
  for (const Case& c : bench_cases) {
    std::vector<std::string> args = {"bench"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    RunResult r = ackctl(args);
    EXPECT_EQ(r.exit_code, kExitUsage) << c.expected << ": " << r.err;
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << r.err;
  }
  for (const Case& c : cases) {
    std::vector<std::string> args = {"send"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    RunResult r = ackctl(args);
    EXPECT_EQ(r.exit_code, kExitUsage) << c.expected << ": " << r.err;
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace ackd::test
