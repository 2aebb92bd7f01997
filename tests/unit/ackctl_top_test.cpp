#include "client/top.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "client/status_fields.h"
#include "daemon/master/status_report.h"

namespace ackd::client {
namespace {

// The JSON the master writes, as ackctl top reads it back.
StatusSnapshot snapshot(uint64_t messages, pid_t master = 42) {
  StatusSnapshot s;
  s.master_pid = master;
  s.uptime_ms = 3723000;
  s.generation = 3;
  s.config_source = "/etc/ackd/\"odd\" {name}.conf";
  s.mode = "prefork";
  s.workers.push_back(WorkerRow{.pid = 43, .generation = 3, .state = "serving", .restarts = 9});
  s.aux.push_back(AuxProcessRow{"metrics", 44, "serving", 5, 1});
  s.totals.counts = {100, messages, messages - 1, 1, 2};
  s.totals.open_connections = 7;
  s.roles = {{ProcessRole::kWorker, 1, 2, 1, 0}, {ProcessRole::kMetrics, 1, 1, 0, 1}};
  s.reloads_ok = 4;
  s.upgrades_failed = 1;
  return s;
}

TEST(AckctlTop, ReadsWhatTheMasterWrites) {
  StatusFields f = parse_status_fields(render_status_json(snapshot(500)));
  EXPECT_EQ(f.master_pid, 42);
  EXPECT_EQ(f.uptime_ms, 3723000u);
  EXPECT_EQ(f.generation, 3u) << "the master's, not a worker's";
  EXPECT_EQ(f.mode, "prefork");
  EXPECT_EQ(f.workers, 1u);
  EXPECT_EQ(f.connections, 100u);
  EXPECT_EQ(f.messages, 500u);
  EXPECT_EQ(f.replies, 499u);
  EXPECT_EQ(f.errors, 1u);
  EXPECT_EQ(f.udp_dropped, 2u);
  EXPECT_EQ(f.open_connections, 7u);
  ASSERT_EQ(f.roles.size(), 2u);
  EXPECT_EQ(f.roles[0].role, "worker");
  EXPECT_EQ(f.roles[0].restarts, 2u);
  EXPECT_EQ(f.roles[1].role, "metrics");
  EXPECT_EQ(f.roles[1].hung_killed, 1u);
  ASSERT_EQ(f.aux.size(), 1u);
  EXPECT_EQ(f.aux[0].pid, 44);
  EXPECT_EQ(f.aux[0].state, "serving");
  EXPECT_EQ(f.reloads_ok, 4u);
  EXPECT_EQ(f.upgrades_failed, 1u);
}

TEST(AckctlTop, NotAStatusIsAnError) {
  EXPECT_THROW(parse_status_fields("{}"), std::runtime_error);
  EXPECT_THROW(parse_status_fields("ERR unknown request"), std::runtime_error);
}

TEST(AckctlTop, RatesPerSecondFromThePreviousFrame) {
  StatusFields before = parse_status_fields(render_status_json(snapshot(500)));
  StatusFields now = parse_status_fields(render_status_json(snapshot(800)));
  std::string first = render_top(before, std::nullopt, 0);
  EXPECT_NE(first.find("messages                            500          -\n"), std::string::npos)
      << first;
  std::string frame = render_top(now, before, 2.0);
  EXPECT_NE(frame.find("messages                            800      150.0\n"), std::string::npos)
      << frame;
  EXPECT_NE(frame.find("open now                              7\n"), std::string::npos) << frame;
  EXPECT_NE(frame.find("up 1h2m3s, generation 3"), std::string::npos) << frame;
  EXPECT_NE(frame.find("metrics process: pid 44, serving"), std::string::npos) << frame;
  EXPECT_NE(frame.find("reloads 4 ok, 0 failed; upgrades 0 ok, 1 failed"), std::string::npos)
      << frame;
  // A restarted daemon counts from zero: no rate against its predecessor.
  StatusFields restarted = parse_status_fields(render_status_json(snapshot(10, 77)));
  std::string after = render_top(restarted, now, 1.0);
  EXPECT_NE(after.find("messages                             10          -\n"), std::string::npos)
      << after;
}

std::string row(const std::string& name, uint64_t total, const std::string& rate) {
  return fmt::format("{:<24} {:>14} {:>10}\n", name, total, rate);
}

// A frame of a daemon that refused `deny` (over two listeners) and
// `rate_limited` clients, synced its spool and replicated.
StatusFields busy(uint64_t deny, uint64_t rate_limited, uint64_t syncs, uint64_t stored) {
  StatusSnapshot s = snapshot(500);
  s.totals.counts.refused = deny + rate_limited;
  ListenerTotals a{"a", {}}, b{"b", {}};
  a.counts.refused[index_of(Refusal::kDeny)] = deny - 1;
  b.counts.refused[index_of(Refusal::kDeny)] = 1;
  b.counts.refused[index_of(Refusal::kMessageRate)] = rate_limited;
  s.listener_totals = {a, b};
  SyncTotals sync_times;
  sync_times.buckets[3] = syncs;
  s.spool = SpoolStatus{SpoolUsage{10, 1}, sync_times};
  s.replication_totals = ReplicationSummary{stored, 2, {}};
  s.replication_totals->now.in_flight = 3;
  return parse_status_fields(render_status_json(s));
}

// Refusals, by reason over every listener (those that happened), the
// spool's syncs and replication's records, with their rates.
TEST(AckctlTop, RefusalsByReasonSyncsAndReplicationWithRates) {
  StatusFields before = busy(10, 0, 100, 50);
  StatusFields now = busy(30, 4, 160, 70);
  EXPECT_EQ(now.refused, 34u);
  std::string frame = render_top(now, before, 2.0);
  EXPECT_NE(frame.find(row("refused", 34, "12.0")), std::string::npos) << frame;
  EXPECT_NE(frame.find(row("  deny", 30, "10.0")), std::string::npos) << frame;
  EXPECT_NE(frame.find(row("  message_rate", 4, "2.0")), std::string::npos) << frame;
  EXPECT_EQ(frame.find("allow"), std::string::npos) << frame;
  EXPECT_NE(frame.find(row("spool fsyncs", 160, "30.0")), std::string::npos) << frame;
  EXPECT_NE(frame.find(row("replicated", 70, "10.0")), std::string::npos) << frame;
  EXPECT_NE(frame.find(row("repl. failed", 2, "0.0")), std::string::npos) << frame;
  EXPECT_NE(frame.find(fmt::format("{:<24} {:>14}\n", "repl. in flight", 3)), std::string::npos)
      << frame;
}

// Without a spool, replication or refusals, none of their rows; roles
// with nothing to say are left out.
TEST(AckctlTop, OnlyWhatTheDaemonHas) {
  StatusSnapshot s = snapshot(500);
  s.roles.push_back({ProcessRole::kDispatcher, 0, 0, 0, 0});
  std::string frame = render_top(parse_status_fields(render_status_json(s)), std::nullopt, 0);
  EXPECT_NE(frame.find(row("refused", 0, "-")), std::string::npos) << frame;
  for (const char* absent : {"  deny", "fsyncs", "replicated", "in flight", "dispatcher"}) {
    EXPECT_EQ(frame.find(absent), std::string::npos) << absent << " in:\n" << frame;
  }
}

}  // namespace
}  // namespace ackd::client
