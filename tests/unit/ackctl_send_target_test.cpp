#include "client/send_target.h"

#include <gtest/gtest.h>

#include "client/client_error.h"
#include "client/exit_codes.h"

namespace ackd::client {
namespace {

SendOptions inet(std::vector<std::string> operands) {
  SendOptions options;
  options.operands = std::move(operands);
  return options;
}

SendOptions unix_stream(std::vector<std::string> operands) {
  SendOptions options = inet(std::move(operands));
  options.unix_path = "/run/ackd/ackd.sock";
  return options;
}

TEST(AckctlSendTargetTest, HostPortAndMessage) {
  SendTarget target = parse_send_target(inet({"localhost", "51717", "hello"}));
  EXPECT_EQ(target.transport, Transport::kTcp);
  EXPECT_EQ(target.endpoint.host, "localhost");
  EXPECT_EQ(target.endpoint.port, 51717);
  EXPECT_EQ(target.message, "hello");
  EXPECT_EQ(target.timeout, std::chrono::seconds(5));
  EXPECT_EQ(target.retries, 3);
}

TEST(AckctlSendTargetTest, NoMessageMeansStdin) {
  EXPECT_EQ(parse_send_target(inet({"::1", "1"})).message, std::nullopt);
  EXPECT_EQ(parse_send_target(unix_stream({})).message, std::nullopt);
}

TEST(AckctlSendTargetTest, EmptyMessageArgumentIsAMessage) {
  EXPECT_EQ(parse_send_target(inet({"h", "1", ""})).message, "");
}

TEST(AckctlSendTargetTest, Ipv6WithoutBrackets) {
  EXPECT_EQ(parse_send_target(inet({"::1", "7"})).endpoint.host, "::1");
}

// As in "[::1]:7": brackets around a HOST of its own are not part of it.
TEST(AckctlSendTargetTest, Ipv6InBrackets) {
  EXPECT_EQ(parse_send_target(inet({"[::1]", "7"})).endpoint.host, "::1");
}

TEST(AckctlSendTargetTest, UnixTakesOnlyTheMessage) {
  SendTarget target = parse_send_target(unix_stream({"hello"}));
  EXPECT_EQ(target.transport, Transport::kUnix);
  EXPECT_EQ(target.path, "/run/ackd/ackd.sock");
  EXPECT_EQ(target.message, "hello");
}

TEST(AckctlSendTargetTest, Transports) {
  SendOptions udp = inet({"h", "1"});
  udp.udp = true;
  EXPECT_EQ(parse_send_target(udp).transport, Transport::kUdp);
  SendOptions unixgram = inet({});
  unixgram.unixgram_path = "/tmp/s";
  EXPECT_EQ(parse_send_target(unixgram).transport, Transport::kUnixgram);
  EXPECT_EQ(parse_send_target(unixgram).path, "/tmp/s");
  EXPECT_TRUE(is_datagram(Transport::kUdp));
  EXPECT_TRUE(is_datagram(Transport::kUnixgram));
  EXPECT_FALSE(is_datagram(Transport::kTcp));
  EXPECT_FALSE(is_datagram(Transport::kUnix));
}

TEST(AckctlSendTargetTest, TimeoutAndRetries) {
  SendOptions options = inet({"h", "1"});
  options.timeout = "250ms";
  options.retries = 0;
  SendTarget target = parse_send_target(options);
  EXPECT_EQ(target.timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(target.retries, 0);
}

struct UsageCase {
  SendOptions options;
  std::string mentions;
};

class AckctlSendTargetUsageTest : public testing::TestWithParam<UsageCase> {};

TEST_P(AckctlSendTargetUsageTest, IsAUsageError) {
  try {
    parse_send_target(GetParam().options);
    FAIL() << "no error";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.exit_code(), kExitUsage);
    EXPECT_NE(std::string(e.what()).find(GetParam().mentions), std::string::npos) << e.what();
  }
}

SendOptions with_timeout(std::string timeout) {
  SendOptions options = inet({"h", "1"});
  options.timeout = std::move(timeout);
  return options;
}

INSTANTIATE_TEST_SUITE_P(Bad, AckctlSendTargetUsageTest,
                         testing::Values(UsageCase{inet({}), "HOST and PORT"},                //
                                         UsageCase{inet({"localhost"}), "HOST and PORT"},     //
                                         UsageCase{inet({"h", "http"}), "port \"http\""},     //
                                         UsageCase{inet({"h", "0"}), "port \"0\""},           //
                                         UsageCase{inet({"h", "65536"}), "port \"65536\""},   //
                                         UsageCase{unix_stream({"h", "1"}), "no HOST PORT"},  //
                                         UsageCase{with_timeout("soon"), "--timeout"},        //
                                         UsageCase{with_timeout("0s"), "--timeout"}));

}  // namespace
}  // namespace ackd::client
