// `ackctl status` shows the numbers the metrics serve, read from the same
// scoreboard: every series of GET /metrics has its value in `status
// --json` (refusals by listener and reason, the reply latency, the spool's
// fsync latency, replication's totals among them), and the text shows
// them compactly.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/from_source.h"
#include "tests/support/http_get.h"
#include "tests/support/metrics_scrape.h"
#include "tests/support/nats_cluster.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"
#include "tests/support/spool_files.h"
#include "tests/support/status_series.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;

const std::string kAck = "I got your message\n";

struct Reading {
  std::string scrape;
  std::string json;
};

// A scrape and `status --json` of the same moment: the scrape before the
// status and the one after it agree (nothing is sent meanwhile; only what
// the daemon does on its own could move).
Reading still_reading(uint16_t metrics, const std::string& socket) {
  Reading r;
  bool still = wait_until(
      [&] {
        std::optional<std::string> before = scrape(metrics);
        RunResult status = ackctl({"status", "--json", "--socket", socket});
        std::optional<std::string> after = scrape(metrics);
        if (!before || !after || status.exit_code != 0) return false;
        r = {*after, status.out};
        return exposition_series(*before) == exposition_series(*after);
      },
      5s);
  EXPECT_TRUE(still) << "the metrics kept moving:\n" << r.scrape;
  return r;
}

void expect_status_is_the_metrics(const Reading& r) {
  Series status;
  try {
    status = status_series(JsonValue::parse(r.json));
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what() << " in:\n" << r.json;
    return;
  }
  std::string listed;
  for (const std::string& line : series_differences(exposition_series(r.scrape), status)) {
    listed += line + "\n";
  }
  EXPECT_EQ(listed, "") << "status --json:\n" << r.json;
}

std::string status_text(const std::string& socket) {
  RunResult text = ackctl({"status", "--socket", socket});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  return text.out;
}

std::string refused(const std::string& listener, const std::string& reason) {
  return "ackd_listener_refused_total{listener=\"" + listener + "\",reason=\"" + reason + "\"}";
}

// Whether `text` has the line `first` with `second` right under it.
bool has_lines(const std::string& text, const std::string& first, const std::string& second) {
  return text.find(first + "\n" + second + "\n") != std::string::npos;
}

// Refusals of three kinds (deny, a per-source limit, a bad PROXY header)
// on two listeners, beside messages served: the same in status as in the
// metrics; the text names only the reasons that happened.
TEST(StatusNumbers, RefusalsByListenerAndReasonAreTheMetrics) {
  uint16_t edge = free_port(), proxied = free_port(), metrics = free_port();
  Daemon daemon(
      "[daemon]\nworkers = 1\nlog_messages = false\n" +
      tcp_listener("edge", edge, "deny = [\"127.0.0.2/32\"]\nmax_connections_per_source = 1\n") +
      tcp_listener("proxied", proxied,
                   "proxy_protocol = \"v1\"\ntrusted_proxies = [\"127.0.0.1/32\"]\n") +
      metrics_section(metrics));
  EXPECT_EQ(tcp_exchange_from("127.0.0.2", edge, "denied"), "");
  {
    UniqueFd held = tcp_from("127.0.0.1", edge);
    send_all(held.get(), "first\n");
    ASSERT_EQ(read_line(held.get(), 5s) + "\n", kAck);
    EXPECT_EQ(tcp_exchange_from("127.0.0.1", edge, "second"),
              "ERR too many connections from your address\n");
  }
  EXPECT_TRUE(tcp_exchange_from("127.0.0.1", proxied, "no header").starts_with("ERR bad PROXY"));
  ASSERT_TRUE(wait_until(
      [&] {
        std::optional<std::string> body = scrape(metrics);
        // The listeners' counts are published a while after the process's.
        return body && metric_value(*body, refused("edge", "deny")) == 1 &&
               metric_value(*body, refused("edge", "connections_per_source")) == 1 &&
               metric_value(*body, refused("proxied", "proxy_header")) == 1 &&
               metric_value(*body, "ackd_listener_messages_total{listener=\"edge\"}") == 1 &&
               metric_value(*body, "ackd_connections_open") == 0;
      },
      5s));

  Reading reading = still_reading(metrics, daemon.control_socket());
  expect_status_is_the_metrics(reading);

  std::string text = status_text(daemon.control_socket());
  EXPECT_TRUE(has_lines(text, lines_with(text, "edge ").back(),
                        "  refused: deny 1, connections_per_source 1"))
      << text;
  EXPECT_TRUE(has_lines(text, lines_with(text, "proxied ").back(), "  refused: proxy_header 1"))
      << text;
  EXPECT_EQ(text.find("allow 0"), std::string::npos) << "a reason that never happened:\n" << text;
}

// ack_after = "fsync": the spool's sync latency and its size, as the
// metrics serve them; the text says how many syncs, and how long.
TEST(StatusNumbers, SpoolAndItsFsyncLatencyAreTheMetrics) {
  TempDir dir;
  uint16_t port = free_port(), metrics = free_port();
  Daemon daemon(spool_config(port, dir.file("spool"), "fsync") + metrics_section(metrics));
  for (int i = 0; i < 3; ++i) ASSERT_EQ(tcp_exchange(port, "m\n"), kAck);
  ASSERT_TRUE(wait_until(
      [&] {
        std::optional<std::string> body = scrape(metrics);
        return body && metric_value(*body, "ackd_spool_fsync_seconds_count").value_or(0) > 0 &&
               metric_value(*body, "ackd_messages_total") == 3;
      },
      5s));

  Reading reading = still_reading(metrics, daemon.control_socket());
  expect_status_is_the_metrics(reading);
  auto syncs = static_cast<int>(value_in(reading.scrape, "ackd_spool_fsync_seconds_count"));
  std::string text = status_text(daemon.control_socket());
  std::vector<std::string> line = lines_with(text, "; fsync: " + std::to_string(syncs) + " sync");
  ASSERT_EQ(line.size(), 1u) << text;
  EXPECT_NE(line[0].find(", mean "), std::string::npos) << text;
  EXPECT_NE(line[0].find(", p99 <="), std::string::npos) << text;
  auto segments = static_cast<int>(value_in(reading.scrape, "ackd_spool_segments"));
  EXPECT_EQ(lines_with(text, "spool: " + std::to_string(segments) + " segment").size(), 1u) << text;
}

#ifdef ACKD_HAVE_NATS

// [replication] (mode = "sync", a three-node cluster): stored, failed, in
// flight, the forwarder's lag and the connections, as the metrics serve
// them; the text sums them up above the per-process table.
TEST(StatusNumbers, ReplicationTotalsAreTheMetrics) {
  if (!NatsCluster::available()) GTEST_SKIP() << "nats-server is not installed";
  NatsCluster cluster(3);
  ASSERT_TRUE(cluster.create_stream("ACKD", {"ackd.tcp"}, 3)) << "the cluster made no stream";
  uint16_t port = free_port(), metrics = free_port();
  Daemon daemon(
      "[daemon]\nworkers = 1\nlog_messages = false\nshutdown_timeout = \"3s\"\n"
      "[replication]\nservers = " +
      cluster.servers_toml() +
      "\nstream = \"ACKD\"\nsubject = \"ackd.{listener}\"\ntimeout = \"2s\"\n" +
      tcp_listener("tcp", port) + metrics_section(metrics));
  for (int i = 0; i < 5; ++i) ASSERT_EQ(tcp_exchange(port, "r\n"), kAck);
  ASSERT_TRUE(wait_until(
      [&] {
        std::optional<std::string> body = scrape(metrics);
        return body && metric_value(*body, "ackd_replication_stored_total") == 5;
      },
      5s));

  Reading reading = still_reading(metrics, daemon.control_socket());
  expect_status_is_the_metrics(reading);
  std::string text = status_text(daemon.control_socket());
  EXPECT_EQ(lines_with(text,
                       "replication: 5 stored, 0 failed, 0 in flight, forward lag 0; "
                       "connections: 1 connected")
                .size(),
            1u)
      << text;
}

#endif  // ACKD_HAVE_NATS

}  // namespace
}  // namespace ackd::test
