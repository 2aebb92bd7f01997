#include "daemon/config/fleet_keys.h"

#include <gtest/gtest.h>

#include <string>

namespace ackd {
namespace {

constexpr const char* kTcp = "[[listener]]\nname='t'\nprotocol='tcp'\naddress='127.0.0.1:1'\n";

// The listener keys of `text` (one table); the problems, one per line, if any.
std::string read_keys(const std::string& text, ListenerConfig& listener) {
  toml::table table = toml::parse(std::string_view(text), std::string_view("x"));
  ConfigReader reader("x");
  read_proxy_keys(reader, table, "listener[0].", listener);
  try {
    reader.finish();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

std::string problems_of(const std::string& text) {
  try {
    parse_config(text, "x");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(FleetKeys, DefaultsAreOffAndLoopback) {
  Config c = parse_config(kTcp, "x");
  EXPECT_EQ(c.listeners[0].proxy_protocol, ProxyProtocol::kOff);
  EXPECT_EQ(c.listeners[0].trusted_proxies.to_string(), "127.0.0.0/8, ::1/128");
  EXPECT_EQ(c.daemon.drain_before_stop, std::chrono::seconds(0));
}

TEST(FleetKeys, ReadsEveryValueOnceServed) {
  struct Case {
    const char* text;
    ProxyProtocol protocol;
    const char* trusted;
  };
  const Case cases[] = {
      {"proxy_protocol = 'off'", ProxyProtocol::kOff, "127.0.0.0/8, ::1/128"},
      {"proxy_protocol = 'v1'", ProxyProtocol::kV1, "127.0.0.0/8, ::1/128"},
      {"proxy_protocol = 'v2'\ntrusted_proxies = ['10.0.0.0/8', '2001:db8::/32', '192.0.2.7']",
       ProxyProtocol::kV2, "10.0.0.0/8, 2001:db8::/32, 192.0.2.7/32"},
      {"proxy_protocol = 'any'\ntrusted_proxies = ['0.0.0.0/0']", ProxyProtocol::kAny, "0.0.0.0/0"},
  };
  for (const Case& c : cases) {
    ListenerConfig listener;
    EXPECT_EQ(read_keys(c.text, listener), "") << c.text;
    EXPECT_EQ(listener.proxy_protocol, c.protocol) << c.text;
    EXPECT_EQ(listener.trusted_proxies.to_string(), c.trusted) << c.text;
  }
  // Written out while off (the packaged file shows the default): no effect.
  ListenerConfig off;
  EXPECT_EQ(read_keys("trusted_proxies = ['10.0.0.0/8']", off), "");
  EXPECT_EQ(off.trusted_proxies.to_string(), "10.0.0.0/8");
  ListenerConfig unix_listener;
  unix_listener.protocol = Protocol::kUnix;
  EXPECT_EQ(read_keys("proxy_protocol = 'v2'", unix_listener), "");
  EXPECT_EQ(unix_listener.proxy_protocol, ProxyProtocol::kV2);
}

// The PROXY transport serves tcp and unix stream listeners: every value is
// accepted by --check-config (a datagram listener is refused, below).
TEST(FleetKeys, AcceptsEveryProxyProtocol) {
  for (const char* value : {"off", "v1", "v2", "any"}) {
    EXPECT_EQ(problems_of(std::string(kTcp) + "proxy_protocol = '" + value + "'\n"), "") << value;
  }
}

TEST(FleetKeys, ProblemsNameTheKey) {
  const char* tcp = "[[listener]]\nname='t'\nprotocol='tcp'\naddress='127.0.0.1:1'\n";
  const char* udp = "[[listener]]\nname='u'\nprotocol='udp'\naddress='127.0.0.1:1'\n";
  const char* unix_stream = "[[listener]]\nname='l'\nprotocol='unix'\npath='/run/l.sock'\n";
  const char* unixgram = "[[listener]]\nname='g'\nprotocol='unixgram'\npath='/run/g.sock'\n";
  struct Case {
    std::string text;
    const char* expected;
  };
  const Case cases[] = {
      {std::string(tcp) + "proxy_protocol = 'on'\n",
       "x:5:18: listener[0].proxy_protocol: unknown proxy_protocol \"on\" (expected off, v1, v2 "
       "or any)"},
      {std::string(tcp) + "proxy_protocol = true\n",
       "x:5:18: listener[0].proxy_protocol: expected \"off\", \"v1\", \"v2\" or \"any\""},
      {std::string(udp) + "proxy_protocol = 'off'\n",
       "x:5:18: listener[0].proxy_protocol: only tcp and unix listeners take a PROXY header"},
      {std::string(unixgram) + "proxy_protocol = 'v2'\n",
       "x:5:18: listener[0].proxy_protocol: only tcp and unix listeners take a PROXY header"},
      {std::string(udp) + "trusted_proxies = ['10.0.0.0/8']\n",
       "x:5:19: listener[0].trusted_proxies: only tcp listeners with proxy_protocol have "
       "trusted proxies"},
      {std::string(tcp) + "trusted_proxies = ['10.1.0.0/8']\n",
       "x:5:20: listener[0].trusted_proxies[0]: \"10.1.0.0/8\" has address bits set"},
      {std::string(unix_stream) + "proxy_protocol = 'off'\ntrusted_proxies = ['10.0.0.0/8']\n",
       "x:6:19: listener[0].trusted_proxies: unix listeners trust whoever may connect"},
      {std::string(tcp) + "[daemon]\ndrain_before_stop = 'soon'\n",
       "x:6:21: daemon.drain_before_stop: "},
      {std::string(tcp) + "[daemon]\ndrain_before_stop = 5\n",
       "x:6:21: daemon.drain_before_stop: expected a duration like \"10s\""},
  };
  for (const Case& c : cases) {
    std::string problems = problems_of(c.text);
    EXPECT_NE(problems.find(c.expected), std::string::npos) << c.text << "\n=> " << problems;
  }
}

TEST(FleetKeys, TrustedProxiesEntriesAreCheckedOneByOne) {
  struct Case {
    const char* value;
    const char* expected;
  };
  const Case cases[] = {
      {"'10.0.0.0/8'", "listener[0].trusted_proxies: expected a list of address ranges"},
      {"[]", "listener[0].trusted_proxies: empty: no proxy would be believed"},
      {"['10.0.0.0/8', 7]",
       "x:2:34: listener[0].trusted_proxies[1]: expected a string like \"10.0.0.0/8\""},
      {"['10.1.0.0/8']",
       "x:2:20: listener[0].trusted_proxies[0]: \"10.1.0.0/8\" has address bits set past the /8 "
       "prefix (did you mean \"10.0.0.0/8\"?)"},
      {"['::1/128', 'proxy.example']",
       "x:2:31: listener[0].trusted_proxies[1]: \"proxy.example\" is not an address range"},
  };
  for (const Case& c : cases) {
    ListenerConfig listener;
    std::string text = std::string("proxy_protocol = 'v2'\ntrusted_proxies = ") + c.value + "\n";
    std::string problems = read_keys(text, listener);
    EXPECT_NE(problems.find(c.expected), std::string::npos) << c.value << "\n=> " << problems;
    EXPECT_EQ(listener.trusted_proxies, loopback_cidrs()) << "unchanged: " << c.value;
  }
}

TEST(FleetKeys, DrainBeforeStop) {
  Config c = parse_config(std::string(kTcp) + "[daemon]\ndrain_before_stop = '5s'\n", "x");
  EXPECT_EQ(c.daemon.drain_before_stop, std::chrono::seconds(5));
  Config off = parse_config(std::string(kTcp) + "[daemon]\ndrain_before_stop = '0s'\n", "x");
  EXPECT_EQ(off.daemon.drain_before_stop, std::chrono::seconds(0));
}

}  // namespace
}  // namespace ackd
