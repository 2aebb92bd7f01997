// Refusals by kind in the metrics (ackd_listener_refused_total{listener,
// reason}): real clients refused for each reason ackd has, by allow and
// deny (TCP, UDP, and the client a PROXY header names), the per-source
// connection and message limits, the PROXY header (untrusted source, bad
// header) and TLS (failed handshake, client not on allowed_clients), in
// prefork and in fork mode. A refusal is no error, and the counts survive
// the kill -9 of the process that counted them.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <csignal>
#include <map>
#include <memory>
#include <string>

#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/from_source.h"
#include "tests/support/http_get.h"
#include "tests/support/metrics_scrape.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tls_pki.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;

const std::string kAckLine = "I got your message\n";

// listener -> reason -> count, as the test provokes them.
using Expected = std::map<std::string, std::map<std::string, int>>;

std::string refused_series(const std::string& listener, const std::string& reason) {
  return "ackd_listener_refused_total{listener=\"" + listener + "\",reason=\"" + reason + "\"}";
}

bool counts_are(const std::string& body, const Expected& expected) {
  for (const auto& [listener, reasons] : expected) {
    for (const auto& [reason, count] : reasons) {
      if (metric_value(body, refused_series(listener, reason)) != count) return false;
    }
  }
  return true;
}

class MetricsRefusals : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!openssl_available()) GTEST_SKIP() << "the openssl command is missing (install-deps)";
    pki_ = std::make_unique<TestPki>(dir_.path());
  }

  std::string config() const {
    std::string process =
        GetParam() == "fork" ? "mode = \"fork\"\ndispatchers = 1\n" : "workers = 1\n";
    return "[daemon]\n" + process + "log_messages = false\n" +
           tcp_listener("edge", edge_,
                        "allow = [\"127.0.0.1/32\", \"127.0.0.2/32\"]\n"
                        "deny = [\"127.0.0.2/32\"]\nmax_connections_per_source = 1\n"
                        "max_messages_per_second_per_source = 1\n"
                        "message_burst_per_source = 1\n") +
           udp_listener("dgram", edge_) +
           "deny = [\"127.0.0.2/32\"]\nmax_messages_per_second_per_source = 1\n"
           "message_burst_per_source = 1\n" +
           tcp_listener("proxied", proxied_,
                        "proxy_protocol = \"v1\"\ntrusted_proxies = [\"127.0.0.1/32\"]\n"
                        "deny = [\"203.0.113.0/24\"]\n") +
           tcp_listener("secure", secure_) + "[listener.tls]\ncertificate = \"" +
           pki_->server().certificate + "\"\nkey = \"" + pki_->server().key + "\"\nclient_ca = \"" +
           pki_->ca() + "\"\nverify_client = \"require\"\nallowed_clients = [\"CN=sensor-1\"]\n" +
           metrics_section(metrics_);
  }

  // One refusal of each kind on "edge": deny, allow, one connection too
  // many, one message over the rate; on "dgram": deny, one over the rate.
  void refuse_on_edge() {
    EXPECT_EQ(tcp_exchange_from("127.0.0.2", edge_, "denied"), "");
    EXPECT_EQ(tcp_exchange_from("127.0.0.3", edge_, "not on allow"), "");
    UniqueFd held = tcp_from("127.0.0.1", edge_);
    send_all(held.get(), "first\n");
    ASSERT_EQ(read_line(held.get(), 5s) + "\n", kAckLine);
    EXPECT_EQ(tcp_exchange_from("127.0.0.1", edge_, "second"),
              "ERR too many connections from your address\n");
    // One token a second, one at most in the bucket: one of these is over.
    send_all(held.get(), "a\nb\n");
    std::string rest = read_rest(held.get());
    EXPECT_TRUE(rest.ends_with("ERR rate limited\n")) << rest;
    UniqueFd datagram = udp_from("127.0.0.2", edge_);
    send_all(datagram.get(), "denied");
    UniqueFd fast = udp_from("127.0.0.1", edge_);
    send_all(fast.get(), "one");
    send_all(fast.get(), "two");  // at once: over the rate
    EXPECT_EQ(udp_reply(fast.get(), 5s), "I got your message");
  }

  // "proxied": the client a trusted proxy names is denied; a bad header;
  // a header from an untrusted source.
  void refuse_on_proxied() {
    RunResult r = ackctl({"send", "--proxy-v1", "--proxy-source", "203.0.113.9:5000", "127.0.0.1",
                          std::to_string(proxied_), "from a denied client"});
    EXPECT_NE(r.exit_code, 0) << r.out;
    EXPECT_TRUE(tcp_exchange_from("127.0.0.1", proxied_, "no header").starts_with("ERR bad PROXY"));
    EXPECT_EQ(tcp_exchange_from("127.0.0.2", proxied_, "PROXY UNKNOWN"),
              "ERR PROXY header from an untrusted source\n");
  }

  // "secure": plain text where TLS is expected; a client whose certificate
  // is good but not on allowed_clients.
  void refuse_on_secure() {
    EXPECT_EQ(tcp_exchange_from("127.0.0.1", secure_, "plain text"), "");
    CertFiles other = pki_->issue("other", "sensor-9");
    RunResult r = ackctl({"send", "--tls", "--ca", pki_->ca(), "--cert", other.certificate, "--key",
                          other.key, "127.0.0.1", std::to_string(secure_), "hello"});
    EXPECT_NE(r.exit_code, 0) << r.out;
  }

  TempDir dir_;
  std::unique_ptr<TestPki> pki_;
  uint16_t edge_ = free_port(), proxied_ = free_port(), secure_ = free_port(),
           metrics_ = free_port();
};

INSTANTIATE_TEST_SUITE_P(Modes, MetricsRefusals, testing::Values("prefork", "fork"));

TEST_P(MetricsRefusals, EachKindIsCountedByListenerAndKeptAcrossACrash) {
  Daemon daemon(config());
  refuse_on_edge();
  refuse_on_proxied();
  refuse_on_secure();
  const Expected expected = {
      {"edge", {{"deny", 1}, {"allow", 1}, {"connections_per_source", 1}, {"message_rate", 1}}},
      {"dgram", {{"deny", 1}, {"allow", 0}, {"message_rate", 1}}},
      {"proxied", {{"deny", 1}, {"proxy_header", 1}, {"proxy_untrusted", 1}, {"allow", 0}}},
      {"secure", {{"tls_handshake", 1}, {"tls_client", 1}, {"deny", 0}}},
  };
  std::optional<std::string> body;
  ASSERT_TRUE(wait_until(
      [&] {
        body = scrape(metrics_);
        return body && counts_are(*body, expected);
      },
      5s))
      << (body ? *body : "no answer");
  EXPECT_EQ(value_in(*body, "ackd_refused_total"), 11);
  EXPECT_EQ(value_in(*body, "ackd_errors_total"), 0) << "a refusal counted as an error";
  if (promtool_found()) expect_promtool_accepts(*body);

  // The process that counted them dies: its successor starts from zero,
  // the listeners' counts do not.
  std::optional<DaemonStatus> status = daemon_status(daemon.control_socket());
  ASSERT_TRUE(status && status->workers.size() == 1);
  pid_t victim = status->workers[0].pid;
  kill(victim, SIGKILL);
  ASSERT_TRUE(wait_until(
      [&] {
        status = daemon_status(daemon.control_socket());
        return status && status->workers.size() == 1 && status->workers[0].pid != victim &&
               status->workers[0].state == "serving";
      },
      5s));
  EXPECT_EQ(tcp_exchange_from("127.0.0.2", edge_, "denied again"), "");
  Expected after = expected;
  after["edge"]["deny"] = 2;
  ASSERT_TRUE(wait_until(
      [&] {
        body = scrape(metrics_);
        return body && counts_are(*body, after);
      },
      5s))
      << (body ? *body : "no answer");
  EXPECT_EQ(value_in(*body, "ackd_refused_total"), 12);
}

}  // namespace
}  // namespace ackd::test
