// Replicated acks (issue 17) against a real three-node nats-server cluster
// with JetStream on loopback, a stream with three replicas, read back
// through JetStream's API, never through ackd: every message a client saw
// acked is in the stream with its headers, whatever happens to the nodes,
// the workers or the master; without a quorum, clients get errors, never
// false acks.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <csignal>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/http_get.h"
#include "tests/support/keepalive_load.h"
#include "tests/support/metrics_scrape.h"
#include "tests/support/nats_cluster.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"
#include "tests/support/proc_stat.h"
#include "tests/support/spool_files.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tls_pki.h"
#include "tests/support/wait.h"

#ifdef ACKD_HAVE_NATS

namespace ackd::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kStream = "ACKD";

std::string replication_config(uint16_t port, const NatsCluster& cluster, const std::string& mode,
                               const std::string& extra = "") {
  std::string process = mode == "fork" ? "mode = \"fork\"\n" : "workers = 2\n";
  return "[daemon]\n" + process +
         "log_messages = false\nshutdown_timeout = \"3s\"\n"
         "[replication]\nservers = " +
         cluster.servers_toml() + "\nstream = \"" + kStream +
         "\"\nsubject = \"ackd.{listener}\"\ntimeout = \"1s\"\n" + extra +
         "[[listener]]\nname = \"tcp\"\nprotocol = \"tcp\"\naddress = \"127.0.0.1:" +
         std::to_string(port) +
         "\"\n[[listener]]\nname = \"udp\"\nprotocol = \"udp\"\naddress = \"127.0.0.1:" +
         std::to_string(port) + "\"\n";
}

class Replication : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (!NatsCluster::available()) GTEST_SKIP() << "nats-server is not installed";
#ifdef __SANITIZE_ADDRESS__
    // A fork-mode dispatcher forks while nats.c's threads allocate; GCC 12's
    // ASan allocator is not fork-safe (the child can wait forever on a lock
    // such a thread held), glibc's malloc is. The plain build runs these.
    if (std::string(GetParam()) == "fork") {
      GTEST_SKIP() << "fork mode with nats threads: skipped under ASan (see the comment)";
    }
#endif
    cluster_ = std::make_unique<NatsCluster>(3);
    ASSERT_TRUE(cluster_->create_stream(kStream, {"ackd.tcp", "ackd.udp"}, 3))
        << "the cluster made no stream";
  }

  std::map<std::string, StoredMessage> stored_by_body() {
    std::vector<StoredMessage> messages;
    EXPECT_TRUE(cluster_->read_stream(kStream, messages)) << "the stream cannot be read";
    std::map<std::string, StoredMessage> by_body;
    for (StoredMessage& m : messages) by_body[m.body] = std::move(m);
    return by_body;
  }

  // Acked messages missing from the stream, each reported (the first ten).
  size_t missing(const std::set<std::string>& acked) {
    auto stored = stored_by_body();
    size_t lost = 0;
    for (const std::string& message : acked) {
      if (stored.count(message) > 0) continue;
      if (++lost <= 10) ADD_FAILURE() << "acked but not in the stream: " << message;
    }
    return lost;
  }

  // Every message of `acked` reaches the stream (30 s at most), once.
  void expect_forwarded_exactly_once(const std::set<std::string>& acked) {
    std::map<std::string, int> copies;
    EXPECT_TRUE(wait_until(
        [&] {
          std::vector<StoredMessage> messages;
          if (!cluster_->read_stream(kStream, messages, 5s)) return false;
          copies.clear();
          for (const StoredMessage& m : messages) ++copies[m.body];
          for (const std::string& message : acked) {
            if (copies.count(message) == 0) return false;
          }
          return true;
        },
        30s))
        << "acked messages not forwarded";
    size_t missing = 0, twice = 0;
    for (const std::string& message : acked) {
      if (copies[message] == 0 && ++missing <= 5) ADD_FAILURE() << "not forwarded: " << message;
      if (copies[message] > 1 && ++twice <= 5) ADD_FAILURE() << "forwarded twice: " << message;
    }
    EXPECT_EQ(missing, 0u) << "of " << acked.size();
    EXPECT_EQ(twice, 0u);
  }

  std::unique_ptr<NatsCluster> cluster_;
};

// [replication] with mode = "forward" to `cluster`, and `extra` keys.
std::string forward_table(const NatsCluster& cluster, const std::string& extra = "") {
  return "[replication]\nservers = " + cluster.servers_toml() + "\nstream = \"" + kStream +
         "\"\nsubject = \"ackd.{listener}\"\nmode = \"forward\"\ntimeout = \"1s\"\n" + extra;
}

// The scrape of `port` once `ready` holds for it (5 s at most), or "".
std::string scrape_when(uint16_t port, const std::function<bool(const std::string&)>& ready) {
  std::optional<std::string> body;
  bool reached = wait_until([&] { return (body = scrape(port)) && ready(*body); }, 5s);
  EXPECT_TRUE(reached) << (body ? *body : "no answer");
  return reached ? *body : "";
}

double value_or_zero(const std::string& body, const std::string& series) {
  return metric_value(body, series).value_or(0);
}

// Every acked message is in the stream, byte for byte, with its headers;
// the metrics count them stored.
TEST_P(Replication, EveryAckedMessageIsInTheStreamWithItsHeaders) {
  uint16_t port = free_port(), metrics = free_port();
  Daemon daemon(replication_config(port, *cluster_, GetParam()) + metrics_section(metrics));
  KeepAliveOptions options;
  options.clients = 8;
  options.bound = 20s;
  KeepAliveClients clients([&] { return connect_tcp(port); }, options);
  ASSERT_TRUE(clients.wait_for_progress(2000, 15s)) << clients.first_failures();
  EXPECT_EQ(udp_exchange(port, "by datagram"), "I got your message");
  clients.stop();
  EXPECT_EQ(clients.errs(), 0u) << clients.first_errs();
  EXPECT_EQ(clients.failures(), 0u) << clients.first_failures();
  auto stored = stored_by_body();
  EXPECT_EQ(missing(clients.acked()), 0u) << "of " << clients.acks();
  ASSERT_TRUE(stored.count("by datagram"));
  StoredMessage datagram = stored["by datagram"];
  EXPECT_EQ(datagram.subject, "ackd.udp");
  EXPECT_EQ(datagram.headers["Ackd-Listener"], "udp");
  EXPECT_EQ(datagram.headers["Ackd-Peer"].rfind("127.0.0.1:", 0), 0u);
  EXPECT_FALSE(datagram.headers["Nats-Msg-Id"].empty());
  EXPECT_EQ(datagram.headers["Ackd-Time"].size(), 30u) << datagram.headers["Ackd-Time"];
  std::optional<DaemonStatus> status = daemon_status(daemon.control_socket());
  ASSERT_TRUE(status);
  EXPECT_NE(status->json.find("\"replication\":[{"), std::string::npos) << status->json;
  EXPECT_NE(status->json.find("\"state\":\"connected\",\"server\":\"nats://127.0.0.1:"),
            std::string::npos)
      << status->json;
  RunResult text = ackctl({"status", "--socket", daemon.control_socket()});
  EXPECT_NE(text.out.find("REPLICATION"), std::string::npos) << text.out;
  StoredMessage streamed = stored[*clients.acked().begin()];
  EXPECT_EQ(streamed.subject, "ackd.tcp");
  EXPECT_EQ(streamed.headers["Ackd-Listener"], "tcp");
  // Stored: every ack, and perhaps a few whose ack the stopped clients did not read.
  auto acked = static_cast<double>(clients.acks() + 1);
  std::string body = scrape_when(metrics, [&](const std::string& b) {
    return value_or_zero(b, "ackd_replication_stored_total") >= acked;
  });
  EXPECT_EQ(value_in(body, "ackd_replication_failed_total"), 0);
  EXPECT_EQ(value_in(body, "ackd_replication_in_flight"), 0);
  EXPECT_GE(value_in(body, "ackd_replication_connections{state=\"connected\"}"), 1);
  EXPECT_EQ(value_in(body, "ackd_replication_connections{state=\"disconnected\"}"), 0);
  if (promtool_found()) expect_promtool_accepts(body);
}

KeepAliveOptions load_options() {
  KeepAliveOptions options;
  options.clients = 8;
  options.reply_timeout = 5s;
  options.bound = 40s;
  return options;
}

// While the stream has no quorum, clients get ERR: the count of acks does
// not move (what was in flight when quorum went may still be acked).
void expect_errors_not_acks(KeepAliveClients& clients) {
  uint64_t errs = clients.errs();
  ASSERT_TRUE(wait_until([&] { return clients.errs() > errs + 20; }, 10s))
      << "no ERR without a quorum";
  uint64_t acks = clients.acks();
  errs = clients.errs();
  EXPECT_TRUE(wait_until([&] { return clients.errs() > errs + 40; }, 10s));
  EXPECT_EQ(clients.acks(), acks) << "acked without a quorum";
}

// One node killed (-9) and restarted under load: quorum holds, nothing
// acked is lost. Then two down: no quorum, errors and no acks; back: acks.
TEST_P(Replication, NodesKilledUnderLoadLoseNothingAcked) {
  uint16_t port = free_port();
  Daemon daemon(replication_config(port, *cluster_, GetParam()));
  daemon.allow_errors();  // "replication: stream ACKD did not store a message"
  KeepAliveClients clients([&] { return connect_tcp(port); }, load_options());
  ASSERT_TRUE(clients.wait_for_progress(300, 10s)) << clients.first_failures();
  cluster_->kill(0);
  EXPECT_TRUE(clients.wait_for_progress(1000, 15s)) << "no progress with two nodes of three";
  cluster_->start(0);
  EXPECT_TRUE(clients.wait_for_progress(300, 10s));
  cluster_->kill(1);
  cluster_->kill(2);
  expect_errors_not_acks(clients);
  cluster_->start(1);
  cluster_->start(2);
  // The quorum is back once the stream has a leader again: on a loaded
  // machine nats-server's elections alone can take many seconds.
  std::vector<StoredMessage> stored;
  ASSERT_TRUE(cluster_->read_stream(kStream, stored, 60s)) << "the cluster did not recover";
  uint64_t acks = clients.acks();
  EXPECT_TRUE(wait_until([&] { return clients.acks() > acks + 300; }, 20s))
      << "no acks once the quorum was back";
  clients.stop();
  EXPECT_EQ(clients.failures(), 0u) << clients.first_failures();
  EXPECT_EQ(missing(clients.acked()), 0u) << "of " << clients.acks();
}

// Every node down: no ack at all, the daemon serves on with ERR, and acks
// again once the cluster is back.
TEST_P(Replication, EveryNodeDownMeansNoAckUntilTheyReturn) {
  uint16_t port = free_port(), metrics = free_port();
  Daemon daemon(replication_config(port, *cluster_, GetParam()) + metrics_section(metrics));
  daemon.allow_errors();
  KeepAliveClients clients([&] { return connect_tcp(port); }, load_options());
  ASSERT_TRUE(clients.wait_for_progress(300, 10s)) << clients.first_failures();
  for (int i = 0; i < 3; ++i) cluster_->kill(i);
  expect_errors_not_acks(clients);
  EXPECT_EQ(udp_exchange(port, "while down", 3s), "ERR unavailable");
  EXPECT_TRUE(daemon.wait_for_log("lost the connection to NATS"));
  // The failures and the lost connections show in the metrics.
  scrape_when(metrics, [](const std::string& b) {
    return value_or_zero(b, "ackd_replication_failed_total") > 0 &&
           value_or_zero(b, "ackd_replication_connections{state=\"disconnected\"}") >= 1;
  });
  for (int i = 0; i < 3; ++i) cluster_->start(i);
  std::vector<StoredMessage> stored;
  ASSERT_TRUE(cluster_->read_stream(kStream, stored, 60s)) << "the cluster did not recover";
  uint64_t acks = clients.acks();
  EXPECT_TRUE(wait_until([&] { return clients.acks() > acks + 300; }, 30s))
      << "no acks once the cluster was back";
  EXPECT_TRUE(daemon.wait_for_log("connected to nats://"));
  clients.stop();
  EXPECT_EQ(clients.failures(), 0u) << clients.first_failures();
  EXPECT_EQ(missing(clients.acked()), 0u) << "of " << clients.acks();
}

// Every process of the daemon but the master.

// Workers (dispatchers, connection processes) SIGKILLed at random under
// load, then the master with them; ackd again: nothing acked is lost.
TEST_P(Replication, KillsOfWorkersAndMasterLoseNothingAcked) {
  uint16_t port = free_port();
  std::string config = replication_config(port, *cluster_, GetParam());
  auto daemon = std::make_unique<Daemon>(config);
  KeepAliveClients clients([&] { return connect_tcp(port); }, load_options());
  std::mt19937 random(17);
  for (int round = 0; round < 8; ++round) {
    // The point: kills at random moments of the load, whatever it is doing.
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + random() % 200));
    std::vector<pid_t> pids = serving_processes(daemon->pid());
    if (!pids.empty()) kill(pids[random() % pids.size()], SIGKILL);
  }
  std::vector<pid_t> pids = kill_whole_daemon(daemon->pid());
  daemon->wait_for(5s);
  daemon->allow_errors();
  daemon.reset();
  for (pid_t pid : pids) wait_until([&] { return !alive(pid); }, 5s);  // a zombie holds nothing
  daemon = std::make_unique<Daemon>(config);
  EXPECT_TRUE(clients.wait_for_progress(200, 10s)) << "no exchange after the restart";
  clients.stop();
  daemon.reset();
  ASSERT_GT(clients.acks(), 100u) << "the clients hardly ran";
  EXPECT_EQ(missing(clients.acked()), 0u) << "of " << clients.acks();
}

// Sync with a spool: a reply waits for both; every acked message is in
// the spool and in the stream (in fork mode the dispatcher stores its
// children's records in both).
TEST_P(Replication, SyncWithASpoolStoresEveryAckedMessageInBoth) {
  uint16_t port = free_port();
  TempDir dir;
  std::string spool = dir.path() + "/spool";
  std::string replication = "[replication]\nservers = " + cluster_->servers_toml() +
                            "\nstream = \"" + kStream +
                            "\"\nsubject = \"ackd.{listener}\"\ntimeout = \"1s\"\n";
  auto daemon =
      std::make_unique<Daemon>(spool_config(port, spool, "fsync", replication, GetParam()));
  KeepAliveClients clients([&] { return connect_tcp(port); }, load_options());
  ASSERT_TRUE(clients.wait_for_progress(1000, 15s)) << clients.first_failures();
  clients.stop();
  daemon.reset();
  EXPECT_EQ(clients.errs(), 0u);
  EXPECT_EQ(missing(clients.acked()), 0u) << "of " << clients.acks();
  std::multiset<std::string> spooled = spooled_messages(spool);
  size_t not_spooled = 0;
  for (const std::string& message : clients.acked()) not_spooled += spooled.count(message) == 0;
  EXPECT_EQ(not_spooled, 0u) << "acked but not in the spool";
}

// mode = "forward": acks follow the spool; the forwarder ships every acked
// record to the stream exactly once, across an outage of every node (with
// retention over its limit meanwhile) and a kill -9 of the whole daemon in
// the middle of forwarding.
TEST_P(Replication, ForwardShipsEverythingAckedExactlyOnce) {
  uint16_t port = free_port();
  TempDir dir;
  std::string spool = dir.path() + "/spool";
  std::string replication = forward_table(*cluster_);
  // Small segments and a retention limit the outage overruns: many
  // segments to ship, none removed before it is shipped.
  std::string config = spool_config(
      port, spool, "fsync", "segment_size = \"16KiB\"\nmax_total_size = \"64KiB\"\n" + replication,
      GetParam());
  auto daemon = std::make_unique<Daemon>(config);
  daemon->allow_errors();  // the forwarder's warnings while the cluster is down
  KeepAliveOptions options = load_options();
  options.payload = std::string(200, 'x');
  KeepAliveClients clients([&] { return connect_tcp(port); }, options);
  ASSERT_TRUE(clients.wait_for_progress(300, 10s)) << clients.first_failures();
  for (int i = 0; i < 3; ++i) cluster_->kill(i);
  EXPECT_TRUE(clients.wait_for_progress(500, 10s)) << "no local acks while the cluster is down";
  EXPECT_TRUE(daemon->wait_for_log("forwarder lost the connection"));
  for (int i = 0; i < 3; ++i) cluster_->start(i);
  EXPECT_TRUE(clients.wait_for_progress(300, 10s));
  // The whole daemon, killed while it forwards; then again.
  std::vector<pid_t> pids = kill_whole_daemon(daemon->pid());
  daemon->wait_for(5s);
  daemon.reset();
  for (pid_t pid : pids) wait_until([&] { return !alive(pid); }, 5s);  // a zombie holds nothing
  daemon = std::make_unique<Daemon>(config);
  daemon->allow_errors();
  EXPECT_TRUE(clients.wait_for_progress(300, 10s));
  clients.stop();
  EXPECT_EQ(clients.errs(), 0u) << clients.first_errs();
  expect_forwarded_exactly_once(clients.acked());
}

// max_lag: with every node down, clients are acked until the forwarder is
// max_lag behind, then they wait (neither ack nor ERR) instead of the lag
// growing; once the stream is back they are read again, and every acked
// record is shipped once.
TEST_P(Replication, ForwardHoldsClientsAtMaxLag) {
  uint16_t port = free_port();
  TempDir dir;
  std::string spool = dir.path() + "/spool";
  Daemon daemon(spool_config(port, spool, "fsync",
                             forward_table(*cluster_, "max_lag = \"32KiB\"\n"), GetParam()));
  daemon.allow_errors();  // the forwarder's warnings while the cluster is down
  KeepAliveOptions options = load_options();
  options.payload = std::string(200, 'x');
  options.reply_timeout = 60s;  // held clients wait; they do not fail
  KeepAliveClients clients([&] { return connect_tcp(port); }, options);
  ASSERT_TRUE(clients.wait_for_progress(300, 10s)) << clients.first_failures();
  uint64_t before = clients.acks();
  for (int i = 0; i < 3; ++i) cluster_->kill(i);
  ASSERT_TRUE(daemon.wait_for_log("clients wait until the forwarder ships them"));
  // Held: what was read before the gate closed is answered, nothing after.
  std::this_thread::sleep_for(500ms);
  uint64_t held = clients.acks();
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(clients.acks(), held) << "acks went on past max_lag";
  // About max_lag of records (some 260 bytes each: 126) acked since the
  // kill, with what was in flight then: a few hundred, where an unbounded
  // spool would have acked thousands in these seconds.
  EXPECT_LT(held - before, 500u);
  for (int i = 0; i < 3; ++i) cluster_->start(i);
  EXPECT_TRUE(clients.wait_for_progress(300, 60s)) << "the clients were not read again";
  EXPECT_TRUE(daemon.wait_for_log("under max_lag again: clients are read"));
  clients.stop();
  EXPECT_EQ(clients.errs(), 0u) << clients.first_errs();
  EXPECT_EQ(clients.failures(), 0u) << clients.first_failures();
  expect_forwarded_exactly_once(clients.acked());
}

// A spool write torn by a full disk (a shim: every 40th write to a segment
// is half made, held 50 ms, and the rest fails): that commit's clients get
// ERR and the segment is cut back. The forwarder may have shipped what it
// read of the torn part meanwhile; the records that follow must not take
// those offsets (a record's Nats-Msg-Id), or the stream drops them as
// copies: every acked record is shipped once.
TEST_P(Replication, ForwardShipsEveryAckedRecordAcrossTornWrites) {
  uint16_t port = free_port();
  TempDir dir;
  std::string spool = dir.path() + "/spool";
  DaemonOptions options =
      with_preload(SLOW_WRITE_SHIM, {"SLOW_WRITE_SUFFIX=.akspool", "TORN_WRITE_EVERY=40"});
  Daemon daemon(spool_config(port, spool, "write", forward_table(*cluster_), GetParam()), options);
  daemon.allow_errors();  // the spool's write errors
  KeepAliveClients clients([&] { return connect_tcp(port); }, load_options());
  EXPECT_TRUE(clients.wait_for_progress(4000, 30s)) << clients.first_failures();
  clients.stop();
  EXPECT_GT(clients.errs(), 0u) << "no write was torn";
  EXPECT_EQ(clients.failures(), 0u) << clients.first_failures();
  expect_forwarded_exactly_once(clients.acked());
}

INSTANTIATE_TEST_SUITE_P(Modes, Replication, ::testing::Values("prefork", "fork"));

// The credentials and TLS keys of [replication], against nodes that take
// clients only with a token, over TLS: ackd with the token and the CA is
// served and its messages are in the stream; with a wrong token, nothing
// is acked and the daemon says why.
TEST(ReplicationSecurity, ATokenOverTlsIsServedAndAWrongTokenAcksNothing) {
  if (!NatsCluster::available()) GTEST_SKIP() << "nats-server is not installed";
  if (!openssl_available()) GTEST_SKIP() << "the openssl command is missing";
  TempDir dir;
  TestPki pki(dir.path());
  // The workers read tls_ca (ackd.conf(5)): as nobody, under a root master.
  ASSERT_EQ(chmod(dir.path().c_str(), 0755), 0);
  ASSERT_EQ(chmod(pki.ca().c_str(), 0644), 0);
  NatsSecurity security{"s3cret-token", pki.server().certificate, pki.server().key, pki.ca()};
  NatsCluster cluster(3, security);
  ASSERT_TRUE(cluster.create_stream(kStream, {"ackd.tcp", "ackd.udp"}, 3));
  std::string tls = "tls_ca = \"" + pki.ca() + "\"\n";
  uint16_t port = free_port();
  Daemon daemon(replication_config(port, cluster, "prefork", "token = \"s3cret-token\"\n" + tls));
  EXPECT_TRUE(wait_until([&] { return tcp_exchange(port, "over tls") == "I got your message\n"; },
                         20s, 200ms));
  EXPECT_TRUE(daemon.wait_for_log("connected to tls://127.0.0.1:"));
  std::vector<StoredMessage> stored;
  ASSERT_TRUE(cluster.read_stream(kStream, stored));
  EXPECT_TRUE(std::any_of(stored.begin(), stored.end(),
                          [](const StoredMessage& m) { return m.body == "over tls"; }));

  uint16_t other = free_port();
  Daemon refused(replication_config(other, cluster, "prefork", "token = \"wrong\"\n" + tls));
  refused.allow_errors();
  EXPECT_EQ(tcp_exchange(other, "refused"), "ERR unavailable\n");
  EXPECT_EQ(udp_exchange(other, "refused too", 3s), "ERR unavailable");
  EXPECT_TRUE(refused.wait_for_log("Authorization Violation")) << "the log does not say why";
}

}  // namespace
}  // namespace ackd::test

#endif  // ACKD_HAVE_NATS
