// The [replication] table: every key read, every mistake named with
// file:line:column and key; an ackd without libnats refuses the table.
#include "daemon/replicate/replication_config.h"

#include <gtest/gtest.h>

#include "daemon/config/config.h"

namespace ackd {
namespace {

constexpr const char* kListener = "[[listener]]\nname='tcp'\nprotocol='tcp'\naddress='h:1'\n";

std::string problem_of(const std::string& text) {
  try {
    parse_config(text + kListener, "x");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(ReplicationConfig, ReadsEveryKey) {
  if (!replication_built_in()) GTEST_SKIP() << "built without libnats";
  Config c = parse_config(
      "[spool]\npath='/var/lib/ackd/spool'\n"
      "[replication]\nservers = ['nats://n1:4222', 'tls://n2:4222']\nstream = 'S'\n"
      "subject = 'a.{listener}.b'\nmode = 'forward'\ntimeout = '500ms'\ncreate_stream = true\n"
      "replicas = 5\nmax_pending = 100\nmax_lag = '64MiB'\nuser = 'u'\npassword = 'p'\n"
      "tls_ca = '/etc/ca.pem'\n" +
          std::string(kListener),
      "x");
  const ReplicationConfig& r = c.replication;
  EXPECT_TRUE(r.forward());
  EXPECT_EQ(r.servers.size(), 2u);
  EXPECT_EQ(r.stream, "S");
  EXPECT_EQ(r.subject_for("tcp"), "a.tcp.b");
  EXPECT_EQ(r.timeout, std::chrono::milliseconds(500));
  EXPECT_TRUE(r.create_stream);
  EXPECT_EQ(r.replicas, 5u);
  EXPECT_EQ(r.max_pending, 100u);
  EXPECT_EQ(r.max_lag, 64u << 20);
  EXPECT_EQ(r.user, "u");
  EXPECT_EQ(r.tls_ca, "/etc/ca.pem");
}

TEST(ReplicationConfig, DefaultsToSyncOnAckdSubjects) {
  if (!replication_built_in()) GTEST_SKIP() << "built without libnats";
  Config c = parse_config(
      "[replication]\nservers = ['nats://127.0.0.1:4222']\n" + std::string(kListener), "x");
  EXPECT_TRUE(c.replication.sync());
  EXPECT_EQ(c.replication.stream, "ACKD");
  EXPECT_EQ(c.replication.subject_for("tcp"), "ackd.tcp");
  EXPECT_EQ(c.replication.timeout, std::chrono::seconds(2));
  EXPECT_EQ(c.replication.max_lag, 0u);  // no bound
  Config none = parse_config(kListener, "x");
  EXPECT_FALSE(none.replication.enabled());
}

TEST(ReplicationConfig, MistakesNameTheKey) {
  if (!replication_built_in()) GTEST_SKIP() << "built without libnats";
  const std::string s = "[replication]\nservers = ['nats://h:1']\n";
  const std::pair<std::string, const char*> cases[] = {
      {"[replication]\nstream='S'\n", "x:1:1: replication.servers: missing"},
      {"[replication]\nservers = []\n", "x:2:11: replication.servers: expected a list"},
      {"[replication]\nservers = ['http://h:1']\n", "x:2:12: replication.servers: \"http://h:1\""},
      {"[replication]\nservers = ['nats://h']\n", "replication.servers: \"nats://h\" needs a host"},
      {s + "stream = 'A.B'\n", "x:3:10: replication.stream: \"A.B\" is not a stream name"},
      {s + "subject = 'a.*'\n", "replication.subject: \"a.*\" is not a NATS subject"},
      {s + "subject = 'a.{name}'\n", "replication.subject: \"a.{name}\": the only field"},
      {s + "mode = 'async'\n", "x:3:8: replication.mode: unknown mode \"async\""},
      {s + "mode = 'forward'\n",
       "replication.mode: \"forward\" ships the spool: it needs a [spool]"},
      {s + "timeout = '1h'\n", "x:3:11: replication.timeout: must be from 10ms to 10m"},
      {s + "replicas = 7\n", "replication.replicas: must be"},
      {s + "max_lag = '1MiB'\n",
       "x:3:11: replication.max_lag: bounds what the forwarder has not shipped: only with mode"},
      {s + "max_lag = 'lots'\n", "x:3:11: replication.max_lag: "},
      {s + "user = 'u'\n", "replication.password: user and password go together"},
      {s + "token = 't'\ncredentials = '/c'\n", "replication.token: choose one of"},
      {s + "url = 'x'\n", "x:3:1: replication.url: unknown key"},
      {"replication = 1\n", "x:1:15: replication: must be a table"},
  };
  for (const auto& [text, expected] : cases) {
    std::string got = problem_of(text);
    EXPECT_NE(got.find(expected), std::string::npos) << "config:\n" << text << "got: " << got;
  }
}

TEST(ReplicationConfig, SubjectMustSuitEveryListener) {
  if (!replication_built_in()) GTEST_SKIP() << "built without libnats";
  std::string got = problem_of(
      "[replication]\nservers = ['nats://h:1']\nsubject = 'a.{listener}'\n"
      "[[listener]]\nname='x.'\nprotocol='udp'\naddress='h:2'\n");
  EXPECT_NE(got.find("listener \"x.\" makes \"a.x.\", not a NATS subject"), std::string::npos)
      << got;
}

TEST(ReplicationConfig, WithoutLibnatsTheTableIsRefusedInOneLine) {
  if (replication_built_in())
    GTEST_SKIP() << "built with libnats (a build with -DACKD_NATS=OFF runs this)";
  try {
    parse_config("[replication]\nservers = ['nats://h:1']\n" + std::string(kListener), "x");
    ADD_FAILURE() << "accepted";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 1u) << e.what();
    EXPECT_NE(e.problems()[0].find("built without libnats"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ackd
