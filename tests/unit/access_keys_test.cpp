#include "daemon/config/access_keys.h"

#include <gtest/gtest.h>

#include <string>

namespace ackd {
namespace {

constexpr const char* kTcp = "[[listener]]\nname='t'\nprotocol='tcp'\naddress='127.0.0.1:1'\n";
constexpr const char* kUdp = "[[listener]]\nname='u'\nprotocol='udp'\naddress='127.0.0.1:1'\n";
constexpr const char* kUnix = "[[listener]]\nname='x'\nprotocol='unix'\npath='/tmp/x.sock'\n";

std::string problems_of(const std::string& text) {
  try {
    parse_config(text, "x");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(AccessKeys, DefaultsAdmitEveryoneWithoutLimits) {
  Config c = parse_config(kTcp, "x");
  EXPECT_TRUE(c.listeners[0].access.empty());
  EXPECT_EQ(c.listeners[0].source_limits, SourceLimits{});
}

TEST(AccessKeys, ReadsListsAndLimits) {
  Config c = parse_config(std::string(kTcp) +
                              "allow = ['10.0.0.0/8', '::1']\ndeny = ['10.9.0.0/16']\n"
                              "max_connections_per_source = 4\n"
                              "max_messages_per_second_per_source = 100\n"
                              "message_burst_per_source = 20\n",
                          "x");
  const ListenerConfig& l = c.listeners[0];
  EXPECT_EQ(l.access.allow.to_string(), "10.0.0.0/8, ::1/128");
  EXPECT_EQ(l.access.deny.to_string(), "10.9.0.0/16");
  EXPECT_EQ(l.source_limits.max_connections, 4u);
  EXPECT_EQ(l.source_limits.messages_per_second, 100u);
  EXPECT_EQ(l.source_limits.burst(), 20u);
}

TEST(AccessKeys, UdpTakesListsAndRatesButNoConnectionLimit) {
  Config c = parse_config(
      std::string(kUdp) + "deny = ['192.0.2.0/24']\nmax_messages_per_second_per_source = 5\n", "x");
  EXPECT_EQ(c.listeners[0].access.deny.to_string(), "192.0.2.0/24");
  EXPECT_EQ(c.listeners[0].source_limits.burst(), 5u);  // a second's worth
  EXPECT_NE(problems_of(std::string(kUdp) + "max_connections_per_source = 1\n")
                .find("listener[0].max_connections_per_source: only tcp listeners"),
            std::string::npos);
}

TEST(AccessKeys, BadValuesNameTheirPlace) {
  struct Case {
    std::string text;
    const char* problem;
  };
  const Case cases[] = {
      {std::string(kTcp) + "allow = '10.0.0.0/8'", "x:5:9: listener[0].allow: expected a list"},
      {std::string(kTcp) + "deny = []", "listener[0].deny: empty"},
      {std::string(kTcp) + "allow = ['10.1.0.0/8']",
       "listener[0].allow[0]: \"10.1.0.0/8\" has address bits set past the /8 prefix"},
      {std::string(kTcp) + "deny = [7]", "listener[0].deny[0]: expected a string"},
      {std::string(kTcp) + "max_connections_per_source = -1", "max_connections_per_source"},
      {std::string(kTcp) + "max_messages_per_second_per_source = 2000000",
       "max_messages_per_second_per_source"},
      {std::string(kTcp) + "message_burst_per_source = 3",
       "message_burst_per_source: has no effect without max_messages_per_second_per_source"},
      {std::string(kUnix) + "allow = ['127.0.0.1']",
       "listener[0].allow: unix listeners have no source address"},
      {std::string(kUnix) + "max_connections_per_source = 1",
       "listener[0].max_connections_per_source: unix listeners have no source address"},
  };
  for (const Case& c : cases) {
    std::string problems = problems_of(c.text);
    EXPECT_NE(problems.find(c.problem), std::string::npos) << c.text << "\n" << problems;
  }
}

// Behind a PROXY header the lists, the rate and the connection limit judge
// the client the proxy reports (ProxyStream; the connection is counted once
// the header is read): all are taken.
TEST(AccessKeys, BehindAProxyHeaderEveryKeyIsTaken) {
  toml::table table =
      toml::parse(std::string_view("allow = ['10.0.0.0/8']\nmax_connections_per_source = 2\n"),
                  std::string_view("x"));
  ListenerConfig listener;
  listener.proxy_protocol = ProxyProtocol::kV1;
  ConfigReader reader("x");
  read_access_keys(reader, table, "listener[0].", listener);
  EXPECT_NO_THROW(reader.finish());
  EXPECT_EQ(listener.source_limits.max_connections, 2u);
  EXPECT_FALSE(listener.access.allow.empty());
}

}  // namespace
}  // namespace ackd
