// [metrics]: the exporter process serves GET /metrics in Prometheus text
// format from the scoreboard; promtool accepts what it serves; its counters
// never go back across worker crashes, reloads, TTIN/TTOU and a binary
// upgrade; its allow list closes on other clients; and its death or hang
// never touches serving.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <vector>

#include "common/spool_reader.h"
#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/http_get.h"
#include "tests/support/metrics_scrape.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"
#include "tests/support/spool_files.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;
const std::string kAck = "I got your message\n";

void send_messages(uint16_t port, int count) {
  for (int i = 0; i < count; ++i) ASSERT_EQ(tcp_exchange(port, "m\n"), kAck);
}

TEST(Metrics, ServesTheCountersAsTextThatPromtoolAccepts) {
  uint16_t port = free_port(), metrics = free_port();
  Daemon daemon("[daemon]\nworkers = 2\nlog_messages = false\n" + tcp_listener("tcp", port) +
                udp_listener("udp", port) + metrics_section(metrics));
  send_messages(port, 5);
  for (int i = 0; i < 2; ++i) ASSERT_EQ(udp_exchange(port, "u"), "I got your message");
  std::optional<std::string> body;
  ASSERT_TRUE(wait_until(
      [&] {
        body = scrape(metrics);
        return body && metric_value(*body, "ackd_messages_total") == 7;
      },
      5s))
      << (body ? *body : "no answer");
  EXPECT_EQ(value_in(*body, "ackd_replies_total"), 7);
  EXPECT_EQ(value_in(*body, "ackd_connections_accepted_total"), 5);
  EXPECT_EQ(value_in(*body, "ackd_errors_total"), 0);
  EXPECT_EQ(value_in(*body, "ackd_processes{role=\"worker\"}"), 2);
  EXPECT_EQ(value_in(*body, "ackd_processes{role=\"metrics\"}"), 1);
  EXPECT_EQ(value_in(*body, "ackd_reloads_total{outcome=\"ok\"}"), 0);
  EXPECT_EQ(value_in(*body, "ackd_config_generation"), 1);

  HttpReply reply = http_get(metrics, "/metrics");
  EXPECT_NE(reply.headers.find("Content-Type: text/plain; version=0.0.4"), std::string::npos)
      << reply.headers;
  EXPECT_EQ(http_get(metrics, "/").status, 404);

  if (!promtool_found()) GTEST_SKIP() << "promtool is not installed (Debian: prometheus)";
  expect_promtool_accepts(*body);
}

// A client that prefers OpenMetrics (as Prometheus does) gets it: its
// content type, counters declared without _total, units, "# EOF" last;
// the same numbers. Plain text stays the default.
TEST(Metrics, OpenMetricsWhenTheClientPrefersIt) {
  uint16_t port = free_port(), metrics = free_port();
  Daemon daemon("[daemon]\nworkers = 1\nlog_messages = false\n" + tcp_listener("tcp", port) +
                metrics_section(metrics));
  send_messages(port, 3);
  const std::string prometheus_accept =
      "Accept: application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
      "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\n";
  HttpReply reply;
  ASSERT_TRUE(wait_until(
      [&] {
        reply = http_get(metrics, "/metrics", 2s, prometheus_accept);
        return metric_value(reply.body, "ackd_messages_total") == 3 &&
               metric_value(reply.body, "ackd_reply_latency_seconds_count{listener=\"tcp\"}") == 3;
      },
      5s))
      << reply.headers << "\n"
      << reply.body;
  EXPECT_NE(reply.headers.find(
                "Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8"),
            std::string::npos)
      << reply.headers;
  EXPECT_NE(reply.headers.find("Vary: Accept"), std::string::npos) << reply.headers;
  EXPECT_TRUE(reply.body.ends_with("\n# EOF\n")) << reply.body;
  EXPECT_NE(reply.body.find("# TYPE ackd_messages counter\n"), std::string::npos);
  EXPECT_NE(reply.body.find("# UNIT ackd_reply_latency_seconds seconds\n"), std::string::npos);
  EXPECT_EQ(value_in(reply.body, "ackd_replies_total"), 3);
  EXPECT_EQ(value_in(reply.body, "ackd_reply_latency_seconds_bucket{listener=\"tcp\",le=\"10.0\"}"),
            3);

  for (const std::string& accept : {std::string(), std::string("Accept: */*\r\n")}) {
    HttpReply text = http_get(metrics, "/metrics", 2s, accept);
    EXPECT_NE(text.headers.find("Content-Type: text/plain; version=0.0.4"), std::string::npos)
        << accept << text.headers;
    EXPECT_EQ(text.body.find("# EOF"), std::string::npos);
  }
}

// Per listener, what its clients sent and got: messages, replies, bytes
// each way, and one latency observation per reply, in prefork and fork
// mode (where connection processes count for their dispatcher's listener).
TEST(Metrics, EachListenerHasItsCountsBytesAndReplyLatency) {
  for (const char* mode : {"prefork", "fork"}) {
    SCOPED_TRACE(mode);
    uint16_t port = free_port(), metrics = free_port();
    Daemon daemon("[daemon]\nworkers = 2\nmode = \"" + std::string(mode) +
                  "\"\nlog_messages = false\n" + tcp_listener("a", port) + udp_listener("b", port) +
                  metrics_section(metrics));
    send_messages(port, 4);  // "m\n" each
    for (int i = 0; i < 3; ++i) ASSERT_EQ(udp_exchange(port, "udp"), "I got your message");
    std::optional<std::string> body;
    ASSERT_TRUE(wait_until(
        [&] {
          body = scrape(metrics);
          return body &&
                 metric_value(*body, "ackd_reply_latency_seconds_count{listener=\"b\"}") == 3 &&
                 metric_value(*body, "ackd_reply_latency_seconds_count{listener=\"a\"}") == 4;
        },
        5s))
        << (body ? *body : "no answer");
    EXPECT_EQ(value_in(*body, "ackd_listener_messages_total{listener=\"a\"}"), 4);
    EXPECT_EQ(value_in(*body, "ackd_listener_replies_total{listener=\"a\"}"), 4);
    EXPECT_EQ(value_in(*body, "ackd_listener_connections_accepted_total{listener=\"a\"}"), 4);
    EXPECT_EQ(value_in(*body, "ackd_listener_received_bytes_total{listener=\"a\"}"), 4 * 2);
    EXPECT_EQ(value_in(*body, "ackd_listener_sent_bytes_total{listener=\"a\"}"), 4 * kAck.size());
    EXPECT_EQ(value_in(*body, "ackd_listener_messages_total{listener=\"b\"}"), 3);
    EXPECT_EQ(value_in(*body, "ackd_listener_received_bytes_total{listener=\"b\"}"), 3 * 3);
    EXPECT_EQ(value_in(*body, "ackd_listener_sent_bytes_total{listener=\"b\"}"),
              3 * (kAck.size() - 1));
    EXPECT_EQ(value_in(*body, "ackd_listener_errors_total{listener=\"a\"}"), 0);
    // Served on loopback at once: well under a second each.
    EXPECT_EQ(value_in(*body, "ackd_reply_latency_seconds_bucket{listener=\"a\",le=\"1\"}"), 4);
    if (promtool_found()) expect_promtool_accepts(*body);
  }
}

TEST(Metrics, TheSpoolsBytesAndSegmentsAreServed) {
  uint16_t port = free_port(), metrics = free_port();
  TempDir dir;
  Daemon daemon(spool_config(port, dir.file("spool"), "write") + metrics_section(metrics));
  send_messages(port, 3);
  std::optional<std::string> body;
  ASSERT_TRUE(wait_until(
      [&] {
        body = scrape(metrics);
        return body && metric_value(*body, "ackd_spool_bytes").value_or(0) > 0;
      },
      5s))
      << (body ? *body : "no answer");
  std::vector<std::string> segments = list_segments(dir.file("spool"));  // one per worker
  EXPECT_EQ(value_in(*body, "ackd_spool_segments"), static_cast<double>(segments.size()));
  uint64_t bytes = 0;
  for (const std::string& segment : segments) bytes += std::filesystem::file_size(segment);
  EXPECT_EQ(value_in(*body, "ackd_spool_bytes"), static_cast<double>(bytes));
  EXPECT_EQ(body->find("ackd_spool_fsync"), std::string::npos) << "ack_after = write never syncs";
}

// ack_after = "fsync": each group commit's fdatasync and each new
// segment's directory fsync is timed; in both process models (fork mode's
// dispatcher writes for its connection processes).
TEST(Metrics, TheSpoolsSyncTimesAreAHistogram) {
  for (const char* mode : {"prefork", "fork"}) {
    SCOPED_TRACE(mode);
    uint16_t port = free_port(), metrics = free_port();
    TempDir dir;
    Daemon daemon(spool_config(port, dir.file("spool"), "fsync", "", mode) +
                  metrics_section(metrics));
    send_messages(port, 3);  // one after the other: a commit, and a sync, each
    std::optional<std::string> body;
    ASSERT_TRUE(wait_until(
        [&] {
          body = scrape(metrics);
          return body && metric_value(*body, "ackd_spool_fsync_seconds_count").value_or(0) >= 3;
        },
        5s))
        << (body ? *body : "no answer");
    double count = value_in(*body, "ackd_spool_fsync_seconds_count");
    EXPECT_EQ(value_in(*body, "ackd_spool_fsync_seconds_bucket{le=\"+Inf\"}"), count);
    EXPECT_GT(value_in(*body, "ackd_spool_fsync_seconds_sum"), 0);
    EXPECT_LE(value_in(*body, "ackd_spool_fsync_seconds_bucket{le=\"1e-05\"}"), count);
    if (promtool_found()) expect_promtool_accepts(*body);
  }
}

// Each step that replaces processes: a crashed worker, one more and one
// less (TTIN/TTOU), a reload, a binary upgrade. After each, the totals are
// what was sent in all, and no scrape ever saw one go back.
TEST(Metrics, CountersNeverGoBackAcrossRestartsReloadsAndUpgrades) {
  uint16_t port = free_port(), metrics = free_port();
  TempDir dir;
  Daemon daemon("[daemon]\nworkers = 2\nlog_messages = false\npidfile = \"" + dir.file("pid") +
                "\"\n" + tcp_listener("tcp", port) + metrics_section(metrics));
  int sent = 0;
  double last_messages = 0, last_connections = 0;
  auto settle = [&](const std::string& step) {
    std::optional<std::string> body;
    bool settled = wait_until(
        [&] {
          body = scrape(metrics);
          if (!body) return false;
          double messages = value_in(*body, "ackd_messages_total");
          double connections = value_in(*body, "ackd_connections_accepted_total");
          EXPECT_GE(messages, last_messages) << "went back after " << step;
          EXPECT_GE(connections, last_connections) << "went back after " << step;
          last_messages = std::max(last_messages, messages);
          last_connections = std::max(last_connections, connections);
          return messages == sent && value_in(*body, "ackd_replies_total") == sent;
        },
        10s);
    EXPECT_TRUE(settled) << "after " << step << ": " << (body ? *body : "no answer");
    return body.value_or("");
  };
  send_messages(port, 10), sent += 10;
  settle("the first messages");

  std::optional<DaemonStatus> before = daemon_status(daemon.control_socket());
  ASSERT_TRUE(before && !before->workers.empty());
  pid_t victim = before->workers[0].pid;
  kill(victim, SIGKILL);
  ASSERT_TRUE(wait_until(
      [&] {
        auto status = daemon_status(daemon.control_socket());
        return status && status->workers.size() == 2 && status->workers[0].pid != victim &&
               status->workers[1].pid != victim;
      },
      5s));
  send_messages(port, 10), sent += 10;
  std::string body = settle("kill -9 of a worker");
  EXPECT_EQ(value_in(body, "ackd_process_restarts_total{role=\"worker\"}"), 1);

  auto workers_are = [&](size_t count) {
    return wait_until(
        [&] {
          std::optional<DaemonStatus> status = daemon_status(daemon.control_socket());
          return status && status->workers.size() == count;
        },
        5s);
  };
  daemon.signal(SIGTTIN);
  ASSERT_TRUE(workers_are(3));
  send_messages(port, 5), sent += 5;
  daemon.signal(SIGTTOU);
  ASSERT_TRUE(workers_are(2));
  send_messages(port, 5), sent += 5;
  settle("TTIN and TTOU");

  RunResult reload = ackctl({"reload", "--socket", daemon.control_socket()});
  ASSERT_EQ(reload.exit_code, 0) << reload.err;
  send_messages(port, 10), sent += 10;
  body = settle("a reload");
  EXPECT_EQ(value_in(body, "ackd_reloads_total{outcome=\"ok\"}"), 1);
  EXPECT_EQ(value_in(body, "ackd_config_generation"), 2);

  daemon.signal(SIGUSR2);
  ASSERT_TRUE(daemon.wait_for(15s)) << "the old master did not hand over";
  pid_t new_master = 0;
  std::ifstream(dir.file("pid")) >> new_master;
  ASSERT_GT(new_master, 0);
  struct Stop {
    pid_t pid;
    ~Stop() {
      kill(pid, SIGTERM);
      wait_until([&] { return !process_exists(pid); }, 15s);
    }
  } stop{new_master};
  send_messages(port, 10), sent += 10;
  body = settle("a binary upgrade");
  EXPECT_EQ(value_in(body, "ackd_upgrades_total{outcome=\"ok\"}"), 1);
  EXPECT_EQ(value_in(body, "ackd_reloads_total{outcome=\"ok\"}"), 1) << "the new master forgot";
  EXPECT_EQ(value_in(body, "ackd_process_restarts_total{role=\"worker\"}"), 1);

  // ackctl status says the same.
  auto status = daemon_status(daemon.control_socket());
  ASSERT_TRUE(status);
  EXPECT_EQ(status->master_pid, new_master);
  EXPECT_EQ(status->total_replies, static_cast<uint64_t>(sent)) << status->json;
}

// A new master that cannot share the scoreboard it was passed (another
// build's layout; here, a file that is no scoreboard) says so and starts
// the counters again, its exporter serving as ever. The [metrics] socket is
// passed too, by name, as a binary upgrade passes it (here by
// systemd-socket-activate): the exporter binary then gets the fd the
// failed scoreboard left, 4, which the exporter's own fds must not clobber.
TEST(Metrics, AScoreboardThatCannotBeSharedStartsTheCountersAgain) {
  uint16_t port = free_port(), metrics = free_port();
  TempDir dir;
  std::ofstream(dir.file("garbage")) << "not a scoreboard";
  DaemonOptions options;
  options.wait_ready = false;
  options.wrapper = {"systemd-socket-activate",
                     "--listen=127.0.0.1:" + std::to_string(metrics),
                     "--fdname=ackd/metrics",
                     "sh",
                     "-c",
                     "exec 4<\"$0\"; export LISTEN_FDS=2 "
                     "LISTEN_FDNAMES=ackd/metrics:ackd/scoreboard; exec \"$@\"",
                     dir.file("garbage")};
  Daemon daemon("[daemon]\nworkers = 1\n" + tcp_listener("tcp", port) +
                    metrics_section(metrics == 1 ? 2 : 1),  // ignored: the socket is passed
                options);
  ASSERT_TRUE(wait_until([&] { return tcp_port_listening(metrics); }, 5s));
  std::optional<std::string> body = scrape(metrics);  // the first client starts ackd
  ASSERT_TRUE(daemon.wait_for_log("ready:", 10s));
  EXPECT_TRUE(daemon.wait_for_log("the counters start again from zero"));
  send_messages(port, 2);
  EXPECT_TRUE(wait_until(
      [&] {
        body = scrape(metrics);
        return body && metric_value(*body, "ackd_messages_total") == 2;
      },
      5s))
      << (body ? *body : "no answer");
}

TEST(Metrics, TheAllowListClosesOnOtherClients) {
  uint16_t port = free_port(), metrics = free_port();
  std::string base = "[daemon]\nworkers = 1\n" + tcp_listener("tcp", port);
  Daemon daemon(base + metrics_section(metrics, "allow = [\"10.0.0.0/8\", \"::1\"]\n"));
  EXPECT_THROW(http_get(metrics, "/metrics", 2s), std::runtime_error);
  EXPECT_TRUE(daemon.wait_for_log("refused a scrape from 127.0.0.1:"));

  rewrite_config(daemon, base + metrics_section(metrics, "allow = [\"127.0.0.0/8\"]\n"));
  RunResult reload = ackctl({"reload", "--socket", daemon.control_socket()});
  ASSERT_EQ(reload.exit_code, 0) << reload.err;
  EXPECT_TRUE(wait_until([&] { return scrape(metrics).has_value(); }, 5s))
      << "the reloaded allow list still refuses 127.0.0.1";
}

// The exporter is not in the path of any client: killed, or stopped until
// the master kills it as hung, serving goes on; it comes back.
TEST(Metrics, TheExporterDyingOrHangingNeverTouchesServing) {
  uint16_t port = free_port(), metrics = free_port();
  Daemon daemon("[daemon]\nworkers = 1\nworker_timeout = \"1s\"\nlog_messages = false\n" +
                tcp_listener("tcp", port) + metrics_section(metrics));
  auto exporter = [&] {
    auto status = daemon_status(daemon.control_socket());
    return status ? status->aux_pid("metrics") : 0;
  };
  ASSERT_TRUE(wait_until([&] { return scrape(metrics).has_value(); }, 5s));
  pid_t first = exporter();
  ASSERT_GT(first, 0);

  kill(first, SIGKILL);
  send_messages(port, 5);
  ASSERT_TRUE(wait_until([&] { return exporter() != first && exporter() != 0; }, 5s));
  std::optional<std::string> body;
  ASSERT_TRUE(wait_until([&] { return (body = scrape(metrics)).has_value(); }, 5s));
  EXPECT_EQ(value_in(*body, "ackd_process_restarts_total{role=\"metrics\"}"), 1);

  pid_t second = exporter();
  daemon.allow_errors();  // "metrics 0 (pid N) made no progress ...: killing it"
  kill(second, SIGSTOP);
  auto until = std::chrono::steady_clock::now() + 1500ms;
  int served = 0;
  while (std::chrono::steady_clock::now() < until) {  // bounded: 1.5 s
    ASSERT_EQ(tcp_exchange(port, "while it hangs\n", 2s), kAck);
    ++served;
  }
  EXPECT_GT(served, 0);
  ASSERT_TRUE(wait_until([&] { return exporter() != second && exporter() != 0; }, 5s))
      << "the hung exporter was not replaced";
  EXPECT_TRUE(daemon.wait_for_log("made no progress"));
  ASSERT_TRUE(wait_until([&] { return (body = scrape(metrics)).has_value(); }, 5s));
  EXPECT_EQ(value_in(*body, "ackd_processes_hung_killed_total{role=\"metrics\"}"), 1);
  EXPECT_EQ(value_in(*body, "ackd_processes_hung_killed_total{role=\"worker\"}"), 0);
  EXPECT_EQ(value_in(*body, "ackd_messages_total"), 5 + served);
}

TEST(Metrics, AReloadMovesTheSocketOrClosesIt) {
  uint16_t port = free_port(), first = free_port(), second = free_port();
  std::string base = "[daemon]\nworkers = 1\n" + tcp_listener("tcp", port);
  Daemon daemon(base + metrics_section(first));
  ASSERT_TRUE(wait_until([&] { return scrape(first).has_value(); }, 5s));

  rewrite_config(daemon, base + metrics_section(second));
  ASSERT_EQ(ackctl({"reload", "--socket", daemon.control_socket()}).exit_code, 0);
  EXPECT_TRUE(wait_until([&] { return scrape(second).has_value(); }, 5s));
  EXPECT_FALSE(tcp_port_listening(first)) << "the old address is still bound";

  rewrite_config(daemon, base);
  ASSERT_EQ(ackctl({"reload", "--socket", daemon.control_socket()}).exit_code, 0);
  EXPECT_TRUE(wait_until([&] { return !tcp_port_listening(second); }, 5s));
  EXPECT_TRUE(wait_until(
      [&] {
        auto status = daemon_status(daemon.control_socket());
        return status && status->aux.empty();
      },
      5s))
      << "the exporter outlived [metrics]";
  EXPECT_EQ(tcp_exchange(port, "still\n"), kAck);
}

TEST(Metrics, TheAddressOfAListenerIsRefused) {
  uint16_t port = free_port();
  TempDir dir;
  std::ofstream(dir.file("ackd.conf"))
      << "[daemon]\ncontrol_socket = \"\"\n" + tcp_listener("tcp", port) + metrics_section(port);
  RunResult check = run({ACKD_BINARY, "--check-config", "--config", dir.file("ackd.conf")});
  EXPECT_EQ(check.exit_code, 78);
  EXPECT_NE(check.err.find("metrics.address: also the address of listener \"tcp\""),
            std::string::npos)
      << check.err;
}

}  // namespace
}  // namespace ackd::test
