#include "daemon/master/status_report.h"

#include <gtest/gtest.h>

#include "tests/support/json_check.h"

namespace ackd {
namespace {

// A config path and a unix listener path are any bytes, not always UTF-8:
// status --json stays JSON, and says which bytes they were.
TEST(StatusReport, JsonHoldsAnyBytes) {
  StatusSnapshot status;
  status.master_pid = 42;
  status.config_source = "/etc/ackd/\xff.conf";
  status.mode = "prefork";
  status.listeners.push_back({"local", "unix", "/run/ackd/caf\xc3\xa9\x80\n.sock"});
  status.workers.push_back(WorkerRow{.pid = 43, .state = "idle"});
  std::string json = render_status_json(status);
  EXPECT_TRUE(test::is_valid_json(json)) << json;
  EXPECT_NE(json.find("\"config\":\"/etc/ackd/\\u00ff.conf\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"address\":\"/run/ackd/caf\\u00c3\\u00a9\\u0080\\u000a.sock\""),
            std::string::npos)
      << json;
}

StatusSnapshot two_workers() {
  StatusSnapshot status;
  status.master_pid = 42;
  status.mode = "prefork";
  status.workers.push_back(WorkerRow{.pid = 43, .state = "serving", .messages = 8, .replies = 7});
  status.workers.push_back(WorkerRow{.pid = 44, .state = "serving", .messages = 6, .replies = 5});
  status.totals.counts.messages = 14;  // the scoreboard's, exited processes' included
  status.totals.counts.replies = 12;
  return status;
}

// Counters say replies: they count whatever the listeners' services answer
// (an ack, an echo), not only acks.
TEST(StatusReport, CountsReplies) {
  StatusSnapshot status = two_workers();
  EXPECT_EQ(status_line(status), "2 workers, 12 replies, 0 errors, 0 udp replies dropped");
  std::string text = render_status_text(status);
  EXPECT_NE(text.find(" REPLIES "), std::string::npos) << text;
  EXPECT_EQ(text.find("ACKS"), std::string::npos) << text;
  std::string json = render_status_json(status);
  EXPECT_TRUE(test::is_valid_json(json)) << json;
  EXPECT_NE(json.find("\"pid\":43,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"messages\":8,\"replies\":7,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"messages\":14,\"replies\":12,"), std::string::npos) << json;
}

// "acks", the old name, stays beside "replies" with the same value for one
// release, so JSON readers of 0.1 keep working.
TEST(StatusReport, JsonKeepsAcksAsAnAlias) {
  std::string json = render_status_json(two_workers());
  EXPECT_NE(json.find("\"replies\":7,\"acks\":7,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"replies\":12,\"acks\":12,"), std::string::npos) << json;
}

// The daemon's state (for a load balancer's agent) is in the JSON always,
// and in the text when it is not the usual one.
TEST(StatusReport, NamesTheDaemonState) {
  StatusSnapshot status;
  status.master_pid = 42;
  status.mode = "prefork";
  EXPECT_NE(render_status_json(status).find("\"state\":\"serving\""), std::string::npos);
  EXPECT_NE(render_status_text(status).find("prefork mode\n"), std::string::npos);
  status.state = "draining";
  EXPECT_NE(render_status_json(status).find("\"state\":\"draining\""), std::string::npos);
  EXPECT_NE(render_status_text(status).find("prefork mode, draining\n"), std::string::npos);
}

// Connections and messages refused by allow, deny or a per-source limit.
TEST(StatusReport, CountsRefusals) {
  StatusSnapshot status = two_workers();
  EXPECT_EQ(render_status_text(status).find("refused"), std::string::npos);
  EXPECT_NE(render_status_json(status).find("\"refused\":0,\"restarts\""), std::string::npos);
  status.workers[0].refused = 3;
  status.workers[1].refused = 4;
  status.totals.counts.refused = 7;  // the scoreboard's
  std::string text = render_status_text(status);
  EXPECT_NE(text.find("refused (allow, deny, per-source limits, PROXY, TLS): 7\n"),
            std::string::npos)
      << text;
  std::string json = render_status_json(status);
  EXPECT_TRUE(test::is_valid_json(json)) << json;
  EXPECT_NE(json.find("\"dropped\":0,\"refused\":3,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"dropped\":0,\"refused\":7,\"restarts\""), std::string::npos) << json;
}

// The metrics' numbers beside the master's: its version and start.
TEST(StatusReport, NamesTheVersionAndTheStart) {
  StatusSnapshot status = two_workers();
  status.version = "9.9.9";
  status.started = 1700000000;
  EXPECT_TRUE(render_status_text(status).starts_with("ackd 9.9.9, master pid 42, "));
  EXPECT_NE(render_status_json(status).find(
                "{\"master_pid\":42,\"version\":\"9.9.9\",\"started\":1700000000,"),
            std::string::npos);
}

// Per listener since the daemon started: its counts, the bounds of its
// reply latency's median and 99th percentile, and the reasons it refused
// for: in the text only those that happened, in the JSON every one.
TEST(StatusReport, ListenersWithTheirRefusalsByReason) {
  StatusSnapshot status = two_workers();
  ListenerTotals edge{"edge", {}};
  edge.counts.messages = 4;
  edge.counts.replies = 4;
  edge.counts.received_bytes = 30;
  edge.counts.observe_latency(20'000, 3);     // 20 us
  edge.counts.observe_latency(2'000'000, 1);  // 2 ms
  edge.counts.refused[index_of(Refusal::kDeny)] = 2;
  edge.counts.refused[index_of(Refusal::kTlsClient)] = 1;
  status.listener_totals = {edge, {"quiet", {}}};
  std::string text = render_status_text(status);
  EXPECT_NE(text.find("edge                      0          4          4       0           30      "
                      "      0  <=25us / <=2.5ms\n"
                      "  refused: deny 2, tls_client 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  - / -\n\n"), std::string::npos) << "quiet refused nothing:\n" << text;
  std::string json = render_status_json(status);
  EXPECT_TRUE(test::is_valid_json(json)) << json;
  EXPECT_NE(json.find("\"listener_totals\":[{\"name\":\"edge\",\"connections\":0,\"messages\":4,"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"refused\":{\"deny\":2,\"allow\":0,\"connections_per_source\":0,"
                      "\"message_rate\":0,\"proxy_untrusted\":0,\"proxy_header\":0,"
                      "\"tls_handshake\":0,\"tls_client\":1}"),
            std::string::npos)
      << json;
  // The buckets as the metrics serve them: cumulative, the last one all.
  EXPECT_NE(json.find("\"reply_latency\":{\"count\":4,\"sum_seconds\":0.00206,\"le\":[1e-05,"
                      "2.5e-05,5e-05,"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(",10],\"buckets\":[0,3,3,3,3,3,3,4,4,4,4,4,4,4,4,4,4,4,4,4]}"),
            std::string::npos)
      << json;
}

// The spool (its size, and the syncs' times with ack_after = "fsync")
// and replication's totals: a line each, and their JSON objects; none
// without their sections.
TEST(StatusReport, SpoolAndReplicationTotals) {
  StatusSnapshot status = two_workers();
  std::string json = render_status_json(status);
  EXPECT_EQ(json.find("\"spool\""), std::string::npos) << json;
  EXPECT_EQ(json.find("\"replication_totals\""), std::string::npos) << json;
  EXPECT_EQ(render_status_text(status).find("spool:"), std::string::npos);

  SyncTotals syncs;
  syncs.buckets[6] = 9;                 // <= 1 ms
  syncs.buckets[kSyncBuckets - 1] = 1;  // over 1 s
  syncs.sum_ns = 9 * 800'000 + 2'000'000'000;
  status.spool = SpoolStatus{SpoolUsage{4096, 2}, syncs};
  ReplicationSummary replication{5, 1, {}};
  replication.now.in_flight = 2;
  replication.now.forward_lag = 7;
  replication.now.links[static_cast<size_t>(LinkState::kConnected)] = 2;
  replication.now.links[static_cast<size_t>(LinkState::kDisconnected)] = 1;
  status.replication_totals = replication;
  std::string text = render_status_text(status);
  EXPECT_NE(text.find("\nspool: 2 segments, 4096 bytes; fsync: 10 syncs, mean 201ms, p50 <=1ms, "
                      "p99 >1s\nreplication: 5 stored, 1 failed, 2 in flight, forward lag 7; "
                      "connections: 2 connected, 1 disconnected\n"),
            std::string::npos)
      << text;
  json = render_status_json(status);
  EXPECT_TRUE(test::is_valid_json(json)) << json;
  EXPECT_NE(json.find(",\"spool\":{\"bytes\":4096,\"segments\":2,\"fsync\":{\"count\":10,"
                      "\"sum_seconds\":2.0072,\"le\":[1e-05,"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(",\"replication_totals\":{\"stored\":5,\"failed\":1,\"in_flight\":2,"
                      "\"forward_lag\":7,\"connections\":{\"connecting\":0,\"connected\":2,"
                      "\"disconnected\":1}}"),
            std::string::npos)
      << json;

  // A spool directory that cannot be read: the syncs still show.
  status.spool->usage.reset();
  EXPECT_NE(render_status_text(status).find("spool: its directory cannot be read; fsync: 10 syncs"),
            std::string::npos);
  EXPECT_NE(render_status_json(status).find(",\"spool\":{\"fsync\":{\"count\":10,"),
            std::string::npos);
}

// The JSON has every role, as the metrics have a series for each; the
// text leaves out the roles with nothing to say.
TEST(StatusReport, JsonHasEveryRole) {
  StatusSnapshot status = two_workers();
  status.roles = {{ProcessRole::kWorker, 2, 0, 0, 0}, {ProcessRole::kDispatcher, 0, 0, 0, 0}};
  EXPECT_NE(render_status_json(status).find(
                "{\"role\":\"dispatcher\",\"running\":0,\"restarts\":0,\"throttled\":0,"
                "\"hung_killed\":0}"),
            std::string::npos);
  EXPECT_EQ(render_status_text(status).find("dispatcher"), std::string::npos);
}

}  // namespace
}  // namespace ackd
