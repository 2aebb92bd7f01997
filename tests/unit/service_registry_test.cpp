#include "daemon/service/service_registry.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace ackd {
namespace {

std::string listener_table(const std::string& protocol, const std::string& extra) {
  std::string where =
      protocol == "unix" || protocol == "unixgram" ? "path='/tmp/a'\n" : "address='127.0.0.1:1'\n";
  return "[[listener]]\nname='a'\nprotocol='" + protocol + "'\n" + where + extra;
}

// The reply a config's first listener gives to `message`.
std::string reply_of(const std::string& config, std::string_view message) {
  Config c = parse_config(config, "x");
  std::unique_ptr<Service> service = make_service(c.listeners.at(0));
  EXPECT_NE(service, nullptr);
  std::string reply;
  if (service) service->respond(message, reply);
  return reply;
}

// The one problem a config has.
std::string problem_of(const std::string& config) {
  try {
    parse_config(config, "x");
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.problems().size(), 1u) << e.what();
    return e.problems().at(0);
  }
  ADD_FAILURE() << "accepted: " << config;
  return "";
}

TEST(ServiceRegistry, OneEntryPerName) {
  std::set<std::string_view> names;
  for (const ServiceEntry& service : services()) {
    EXPECT_TRUE(names.insert(service.name).second) << service.name;
    EXPECT_EQ(find_service(service.name), &service);
  }
  EXPECT_TRUE(names.count("ack") && names.count("echo"));
  EXPECT_EQ(find_service("nope"), nullptr);
  EXPECT_EQ(service_names_text(), "ack, echo or haproxy-agent");
}

TEST(ServiceRegistry, KnowsWhichKeysBelongToAService) {
  EXPECT_TRUE(is_service_key("ack"));
  EXPECT_FALSE(is_service_key("max_message"));  // every listener's
  EXPECT_FALSE(is_service_key("nope"));
}

TEST(ServiceRegistry, UnknownServiceNamesTheKnownOnes) {
  EXPECT_EQ(
      problem_of(listener_table("tcp", "service='nope'\nack='x'\n")),
      "x:5:9: listener[0].service: unknown service \"nope\" (expected ack, echo or haproxy-agent)");
}

TEST(ServiceRegistry, AKeyOfAnotherServiceNamesIt) {
  EXPECT_EQ(problem_of(listener_table("tcp", "service='echo'\nack='ok'\n")),
            "x:6:5: listener[0].ack: only the ack service takes an ack text");
  // Wherever the key comes: the service is known once the table is read.
  EXPECT_EQ(problem_of(listener_table("udp", "ack='ok'\nservice='echo'\n")),
            "x:5:5: listener[0].ack: only the ack service takes an ack text");
}

TEST(ServiceRegistry, AckAnswersWithItsText) {
  EXPECT_EQ(reply_of(listener_table("tcp", ""), "hello"), "I got your message");
  EXPECT_EQ(reply_of(listener_table("udp", "service='ack'\nack='ok'\n"), "hello"), "ok");
  EXPECT_EQ(reply_of(listener_table("unix", "ack=''\n"), "hello"), "");
  // A listener made in code, with no options read: the defaults.
  ListenerConfig listener;
  std::string reply;
  make_service(listener)->respond("hello", reply);
  EXPECT_EQ(reply, "I got your message");
}

TEST(ServiceRegistry, AckChecksItsText) {
  EXPECT_EQ(problem_of(listener_table("tcp", "ack=\"a\\rb\"\n")),
            "x:5:5: listener[0].ack: must not contain a line break (one ack is one line)");
  EXPECT_EQ(problem_of(listener_table("tcp", "ack=1\n")),
            "x:5:5: listener[0].ack: expected a string");
}

TEST(ServiceRegistry, EchoAnswersWithTheMessage) {
  for (const char* protocol : {"tcp", "udp", "unix", "unixgram"}) {
    std::string config = listener_table(protocol, "service='echo'\n");
    EXPECT_EQ(reply_of(config, "hello"), "hello") << protocol;
    // Any bytes (a datagram may hold an LF; a stream message never does).
    std::string bytes("a\0b\r\n\xff", 6);
    EXPECT_EQ(reply_of(config, bytes), bytes) << protocol;
    EXPECT_EQ(reply_of(config, ""), "") << protocol;
  }
}

TEST(ServiceRegistry, EchoTakesNoKeys) {
  Config c = parse_config(listener_table("tcp", "service='echo'\n"), "x");
  EXPECT_EQ(c.listeners[0].service, "echo");
  EXPECT_EQ(c.listeners[0].service_options, nullptr);
  EXPECT_TRUE(find_service("echo")->keys.empty());
}

}  // namespace
}  // namespace ackd
