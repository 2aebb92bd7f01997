#include "daemon/metrics/cidr.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cstring>

namespace ackd {
namespace {

sockaddr_storage address(const char* text) {
  sockaddr_storage storage{};
  auto* in = reinterpret_cast<sockaddr_in*>(&storage);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
  } else {
    EXPECT_EQ(inet_pton(AF_INET6, text, &in6->sin6_addr), 1) << text;
    in6->sin6_family = AF_INET6;
  }
  return storage;
}

bool contains(const char* block, const char* peer) {
  sockaddr_storage storage = address(peer);
  return cidr_contains(parse_cidr(block), reinterpret_cast<const sockaddr*>(&storage));
}

TEST(Cidr, ParsesAndClearsHostBits) {
  EXPECT_EQ(parse_cidr("10.1.2.3/8").to_string(), "10.0.0.0/8");
  EXPECT_EQ(parse_cidr("192.168.1.1").to_string(), "192.168.1.1/32");
  EXPECT_EQ(parse_cidr("2001:db8::1/32").to_string(), "2001:db8::/32");
  EXPECT_EQ(parse_cidr("::1").to_string(), "::1/128");
  EXPECT_EQ(parse_cidr("10.0.0.0/0").to_string(), "0.0.0.0/0");
  EXPECT_EQ(parse_cidr("172.16.255.1/12").to_string(), "172.16.0.0/12");
}

TEST(Cidr, RejectsWhatIsNotABlock) {
  for (const char* text : {"", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/8x", "host/8",
                           "10.0.0.0/08", "10.0.0/8", "10.0.0.0/-1"}) {
    EXPECT_THROW(parse_cidr(text), std::invalid_argument) << text;
  }
}

TEST(Cidr, MatchesPeers) {
  EXPECT_TRUE(contains("10.0.0.0/8", "10.200.3.4"));
  EXPECT_FALSE(contains("10.0.0.0/8", "11.0.0.1"));
  EXPECT_TRUE(contains("172.16.0.0/12", "172.31.255.255"));
  EXPECT_FALSE(contains("172.16.0.0/12", "172.32.0.0"));
  EXPECT_TRUE(contains("0.0.0.0/0", "203.0.113.9"));
  EXPECT_TRUE(contains("2001:db8::/32", "2001:db8:ffff::1"));
  EXPECT_FALSE(contains("2001:db8::/32", "2001:db9::1"));
  EXPECT_FALSE(contains("::1/128", "127.0.0.1"));
  EXPECT_FALSE(contains("127.0.0.0/8", "::1"));
}

// A dual-stack socket ([::]) sees IPv4 clients as ::ffff:a.b.c.d.
TEST(Cidr, AnIpv4BlockMatchesMappedAddresses) {
  EXPECT_TRUE(contains("127.0.0.0/8", "::ffff:127.0.0.1"));
  EXPECT_FALSE(contains("10.0.0.0/8", "::ffff:127.0.0.1"));
}

TEST(Cidr, AnEmptyListAllowsEveryone) {
  sockaddr_storage peer = address("198.51.100.7");
  EXPECT_TRUE(cidr_allows({}, reinterpret_cast<const sockaddr*>(&peer)));
  EXPECT_FALSE(cidr_allows({parse_cidr("10.0.0.0/8")}, reinterpret_cast<const sockaddr*>(&peer)));
  EXPECT_TRUE(cidr_allows({parse_cidr("10.0.0.0/8"), parse_cidr("198.51.100.0/24")},
                          reinterpret_cast<const sockaddr*>(&peer)));
}

}  // namespace
}  // namespace ackd
