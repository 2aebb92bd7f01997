#include "daemon/metrics/exporter/exposition.h"

#include <gtest/gtest.h>

#include "tests/support/http_get.h"

namespace ackd {
namespace {

// Per listener: counters labelled with its name, and the reply latency as
// a Prometheus histogram (cumulative buckets, +Inf equal to the count).
TEST(Exposition, ListenersHaveTheirCountersAndALatencyHistogram) {
  Scoreboard board(2);
  size_t row = *board.listeners().row_for("tcp");
  ListenerCounts tally;
  tally.messages = 4;
  tally.replies = 4;
  tally.sent_bytes = 76;
  tally.observe_latency(20'000, 3);     // 20 us
  tally.observe_latency(2'000'000, 1);  // 2 ms
  tally.count_refusal(Refusal::kProxyHeader);
  tally.count_refusal(Refusal::kProxyHeader);
  board.listeners().add(row, tally);
  std::string text = render_text(collect_metrics(board, {"9.9.9", 1700000000, 2}, std::nullopt));
  auto value = [&](const std::string& series) {
    return test::metric_value(text, series).value_or(-1);
  };
  EXPECT_EQ(value("ackd_listener_messages_total{listener=\"tcp\"}"), 4) << text;
  EXPECT_EQ(value("ackd_listener_sent_bytes_total{listener=\"tcp\"}"), 76);
  EXPECT_EQ(value("ackd_reply_latency_seconds_bucket{listener=\"tcp\",le=\"1e-05\"}"), 0);
  EXPECT_EQ(value("ackd_reply_latency_seconds_bucket{listener=\"tcp\",le=\"2.5e-05\"}"), 3);
  EXPECT_EQ(value("ackd_reply_latency_seconds_bucket{listener=\"tcp\",le=\"+Inf\"}"), 4);
  EXPECT_EQ(value("ackd_reply_latency_seconds_count{listener=\"tcp\"}"), 4);
  EXPECT_NEAR(value("ackd_reply_latency_seconds_sum{listener=\"tcp\"}"), 0.00206, 1e-9);
  // Refusals: a series per kind, zero until one happens.
  EXPECT_EQ(value("ackd_listener_refused_total{listener=\"tcp\",reason=\"proxy_header\"}"), 2);
  for (const char* reason : {"deny", "allow", "connections_per_source", "message_rate",
                             "proxy_untrusted", "tls_handshake", "tls_client"}) {
    std::string series =
        std::string("ackd_listener_refused_total{listener=\"tcp\",reason=\"") + reason + "\"}";
    EXPECT_EQ(value(series), 0) << series;
  }
}

TEST(Exposition, TheScoreboardsTotalsAsPrometheusText) {
  Scoreboard board(4);
  size_t gone = *board.claim(ProcessRole::kWorker, 1, 0, 0);
  board.entry(gone).messages.store(7);
  board.entry(gone).replies.store(6);
  board.entry(gone).errors.store(1);
  board.release(gone);
  size_t live = *board.claim(ProcessRole::kWorker, 2, 0, 0);
  board.entry(live).messages.store(3);
  board.entry(live).replies.store(3);
  board.entry(live).connections.store(2);
  board.entry(live).open_connections.store(1);
  board.claim(ProcessRole::kMetrics, 2, 0, 0);
  board.counters().reloads_ok += 1;
  board.counters().role(ProcessRole::kWorker).restarts += 1;
  std::string text =
      render_text(collect_metrics(board, {"9.9.9", 1700000000, 2}, SpoolUsage{10, 2}));

  auto value = [&](const std::string& series) {
    return test::metric_value(text, series).value_or(-1);
  };
  EXPECT_EQ(value("ackd_messages_total"), 10) << text;
  EXPECT_EQ(value("ackd_replies_total"), 9);
  EXPECT_EQ(value("ackd_errors_total"), 1);
  EXPECT_EQ(value("ackd_connections_accepted_total"), 2);
  EXPECT_EQ(value("ackd_connections_open"), 1);
  EXPECT_EQ(value("ackd_processes{role=\"worker\"}"), 1);
  EXPECT_EQ(value("ackd_processes{role=\"metrics\"}"), 1);
  EXPECT_EQ(value("ackd_process_restarts_total{role=\"worker\"}"), 1);
  EXPECT_EQ(value("ackd_reloads_total{outcome=\"ok\"}"), 1);
  EXPECT_EQ(value("ackd_reloads_total{outcome=\"failed\"}"), 0);
  EXPECT_EQ(value("ackd_build_info{version=\"9.9.9\"}"), 1);
  EXPECT_EQ(value("ackd_start_time_seconds"), 1700000000);
  EXPECT_EQ(value("ackd_config_generation"), 2);
  EXPECT_EQ(value("ackd_spool_bytes"), 10);
  EXPECT_EQ(value("ackd_spool_segments"), 2);
  EXPECT_NE(text.find("# TYPE ackd_messages_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE ackd_connections_open gauge\n"), std::string::npos);
  EXPECT_EQ(text.back(), '\n');
}

TEST(Exposition, NoSpoolNoSpoolMetrics) {
  Scoreboard board(1);
  std::string text = render_text(collect_metrics(board, {"1", 0, 1}, std::nullopt));
  EXPECT_EQ(text.find("ackd_spool"), std::string::npos) << text;
}

// Counters are named *_total, nothing else is (Prometheus's conventions).
TEST(Exposition, OnlyCountersEndInTotal) {
  Scoreboard board(1);
  for (const prometheus::MetricFamily& f : collect_metrics(board, {"1", 0, 1}, SpoolUsage{})) {
    bool total = f.name.size() > 6 && f.name.compare(f.name.size() - 6, 6, "_total") == 0;
    EXPECT_EQ(total, f.type == prometheus::MetricType::Counter) << f.name;
    EXPECT_EQ(f.name.rfind("ackd_", 0), 0u) << f.name;
    EXPECT_FALSE(f.help.empty()) << f.name;
  }
}

}  // namespace
}  // namespace ackd
