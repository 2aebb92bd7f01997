#include "common/socket_address.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>

namespace ackd {
namespace {

SocketAddress inet6(const char* text, uint16_t port) {
  SocketAddress address;
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons(port);
  EXPECT_EQ(inet_pton(AF_INET6, text, &in6->sin6_addr), 1) << text;
  address.length = sizeof(sockaddr_in6);
  return address;
}

SocketAddress inet4(const char* text, uint16_t port) {
  SocketAddress address;
  auto* in = reinterpret_cast<sockaddr_in*>(&address.storage);
  in->sin_family = AF_INET;
  in->sin_port = htons(port);
  EXPECT_EQ(inet_pton(AF_INET, text, &in->sin_addr), 1) << text;
  address.length = sizeof(sockaddr_in);
  return address;
}

TEST(SocketAddress, InetAddressesReadAsOperatorsWriteThem) {
  EXPECT_EQ(inet4("127.0.0.1", 51717).to_string(), "127.0.0.1:51717");
  EXPECT_EQ(inet6("::1", 80).to_string(), "[::1]:80");
  EXPECT_EQ(inet6("2001:db8::7", 443).to_raw_string(), "[2001:db8::7]:443");
}

// On a dual-stack listener ([::]:port) an IPv4 client arrives as
// ::ffff:a.b.c.d: it is recorded as the IPv4 address it is.
TEST(SocketAddress, MappedIpv4ReadsAsIpv4) {
  EXPECT_EQ(inet6("::ffff:127.0.0.1", 35372).to_string(), "127.0.0.1:35372");
  EXPECT_EQ(inet6("::ffff:10.1.2.3", 7).to_raw_string(), "10.1.2.3:7");
  // Only the mapped prefix: the deprecated compatible form and NAT64 stay IPv6.
  EXPECT_EQ(inet6("::10.1.2.3", 7).to_string(), "[::10.1.2.3]:7");
  EXPECT_EQ(inet6("64:ff9b::a01:203", 7).to_string(), "[64:ff9b::a01:203]:7");
}

}  // namespace
}  // namespace ackd
