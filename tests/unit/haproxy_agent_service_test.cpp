// The haproxy-agent service: its answer in each daemon state, read from a
// real scoreboard, said on connect (and to any message) as one line.
#include "daemon/service/haproxy_agent_service.h"

#include <gtest/gtest.h>

#include <string>

namespace ackd {
namespace {

TEST(HaproxyAgentService, AnswersFromTheDaemonState) {
  EXPECT_EQ(haproxy_agent_answer(DaemonState::kServing), "up ready");
  EXPECT_EQ(haproxy_agent_answer(DaemonState::kDraining), "drain");
  EXPECT_EQ(haproxy_agent_answer(DaemonState::kUpgrading), "drain");
  EXPECT_EQ(haproxy_agent_answer(DaemonState::kStopping), "maint");
}

TEST(HaproxyAgentService, SpeaksFirstWithTheScoreboardsState) {
  Scoreboard board(1);
  ListenerConfig listener;
  listener.service = "haproxy-agent";
  std::unique_ptr<Service> service = make_service(listener, ServiceContext{&board});
  ASSERT_NE(service, nullptr);
  std::string reply;
  EXPECT_TRUE(service->greet(reply));
  EXPECT_EQ(reply, "up ready");
  board.set_daemon_state(DaemonState::kDraining);
  reply.clear();
  service->greet(reply);
  EXPECT_EQ(reply, "drain");
  reply.clear();
  service->respond("status", reply);  // HAProxy's agent-send: the same answer
  EXPECT_EQ(reply, "drain");
}

TEST(HaproxyAgentService, OtherServicesWaitToBeSpokenTo) {
  ListenerConfig listener;
  for (const char* name : {"ack", "echo"}) {
    listener.service = name;
    std::string reply;
    EXPECT_FALSE(make_service(listener)->greet(reply)) << name;
    EXPECT_EQ(reply, "") << name;
  }
}

// HAProxy sends the agent nothing: its listener accepts at once (a deferred
// accept held each check for 1 s, past HAProxy's agent timeout).
TEST(HaproxyAgentService, ItsListenerAcceptsAtOnce) {
  const std::string agent =
      "[[listener]]\nname='agent'\nprotocol='tcp'\naddress='127.0.0.1:1'\n"
      "service='haproxy-agent'\n";
  Config config = parse_config(agent, "x");
  EXPECT_EQ(config.listeners.at(0).defer_accept, Duration::zero());
  EXPECT_EQ(parse_config(agent + "defer_accept='0s'\n", "x").listeners.at(0).defer_accept,
            Duration::zero());
  struct Case {
    std::string extra;
    const char* problem;
  };
  const Case cases[] = {
      {"defer_accept='1s'\n",
       "x:6:14: listener[0].defer_accept: the haproxy-agent service speaks first, its client "
       "sends nothing: only \"0s\" (the default for it)"},
      {"proxy_protocol='v2'\n",
       "x:6:16: listener[0].proxy_protocol: HAProxy's agent-check sends no PROXY header: only "
       "\"off\""},
  };
  for (const Case& c : cases) {
    try {
      parse_config(agent + c.extra, "x");
      ADD_FAILURE() << "accepted: " << c.extra;
    } catch (const ConfigError& e) {
      ASSERT_EQ(e.problems().size(), 1u) << e.what();
      EXPECT_EQ(e.problems().at(0), c.problem);
    }
  }
}

}  // namespace
}  // namespace ackd
