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

// With ack_after = "fsync", the time of each sync the writers made, as a
// histogram from 10 us to 1 s; without, none (no sync is made).
TEST(Exposition, TheSpoolsSyncTimesWhenItSyncs) {
  Scoreboard board(1);
  board.spool().observe_sync(8'000);          // 8 us
  board.spool().observe_sync(3'000'000);      // 3 ms
  board.spool().observe_sync(2'000'000'000);  // 2 s: past the last bound
  MasterInfo syncs{"1", 0, 1, /*spool_fsync=*/true};
  std::string text = render_text(collect_metrics(board, syncs, SpoolUsage{10, 1}));
  auto value = [&](const std::string& series) {
    return test::metric_value(text, series).value_or(-1);
  };
  EXPECT_EQ(value("ackd_spool_fsync_seconds_bucket{le=\"1e-05\"}"), 1) << text;
  EXPECT_EQ(value("ackd_spool_fsync_seconds_bucket{le=\"0.005\"}"), 2);
  EXPECT_EQ(value("ackd_spool_fsync_seconds_bucket{le=\"1\"}"), 2);
  EXPECT_EQ(value("ackd_spool_fsync_seconds_bucket{le=\"+Inf\"}"), 3);
  EXPECT_EQ(value("ackd_spool_fsync_seconds_count"), 3);
  EXPECT_NEAR(value("ackd_spool_fsync_seconds_sum"), 2.003008, 1e-9);
  std::string without = render_text(collect_metrics(board, {"1", 0, 1}, SpoolUsage{10, 1}));
  EXPECT_EQ(without.find("ackd_spool_fsync"), std::string::npos) << without;
}

// With [replication]: in flight and the connections' states now, stored
// and failed since the start (carried across the workers' restarts).
TEST(Exposition, ReplicationWhenItIsConfigured) {
  Scoreboard board(2);
  size_t i = *board.claim(ProcessRole::kWorker, 1, 0, 0);
  ReplicationBoard& r = board.entry(i).replication;
  r.state.store(LinkState::kConnected);
  r.in_flight.store(3);
  r.stored.store(40);
  r.failed.store(2);
  MasterInfo replicating{"1", 0, 1, false, /*replication=*/true};
  std::string text = render_text(collect_metrics(board, replicating, std::nullopt));
  auto value = [&](const std::string& series) {
    return test::metric_value(text, series).value_or(-1);
  };
  EXPECT_EQ(value("ackd_replication_in_flight"), 3) << text;
  EXPECT_EQ(value("ackd_replication_stored_total"), 40);
  EXPECT_EQ(value("ackd_replication_failed_total"), 2);
  EXPECT_EQ(value("ackd_replication_forward_lag"), 0);
  EXPECT_EQ(value("ackd_replication_connections{state=\"connected\"}"), 1);
  EXPECT_EQ(value("ackd_replication_connections{state=\"disconnected\"}"), 0);
  std::string without = render_text(collect_metrics(board, {"1", 0, 1}, std::nullopt));
  EXPECT_EQ(without.find("ackd_replication"), std::string::npos) << without;
}

// Counters are named *_total, nothing else is (Prometheus's conventions).
TEST(Exposition, OnlyCountersEndInTotal) {
  Scoreboard board(1);
  MasterInfo everything{"1", 0, 1, /*spool_fsync=*/true, /*replication=*/true};
  for (const prometheus::MetricFamily& f : collect_metrics(board, everything, SpoolUsage{})) {
    bool total = f.name.size() > 6 && f.name.compare(f.name.size() - 6, 6, "_total") == 0;
    EXPECT_EQ(total, f.type == prometheus::MetricType::Counter) << f.name;
    EXPECT_EQ(f.name.rfind("ackd_", 0), 0u) << f.name;
    EXPECT_FALSE(f.help.empty()) << f.name;
  }
}

}  // namespace
}  // namespace ackd
