#include "daemon/access/access_policy.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

namespace ackd {
namespace {

SocketAddress inet(const char* text) {
  SocketAddress address;
  if (inet_pton(AF_INET, text, &reinterpret_cast<sockaddr_in*>(&address.storage)->sin_addr) == 1) {
    address.storage.ss_family = AF_INET;
    address.length = sizeof(sockaddr_in);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
    EXPECT_EQ(inet_pton(AF_INET6, text, &in6->sin6_addr), 1) << text;
    address.storage.ss_family = AF_INET6;
    address.length = sizeof(sockaddr_in6);
  }
  return address;
}

CidrList list(std::initializer_list<const char*> entries) {
  std::vector<Cidr> cidrs;
  for (const char* entry : entries) cidrs.push_back(parse_cidr(entry));
  return CidrList(std::move(cidrs));
}

TEST(AccessPolicy, NoListsAdmitEveryone) {
  AccessPolicy policy;
  for (const char* address : {"10.0.0.1", "::1", "::ffff:192.0.2.1"}) {
    EXPECT_TRUE(policy.admits(inet(address))) << address;
  }
  EXPECT_TRUE(policy.admits(SocketAddress::unix_path("/run/x.sock")));
}

TEST(AccessPolicy, DenyWinsAndAllowAdmitsOnlyItsSources) {
  AccessPolicy policy{list({"10.0.0.0/8", "2001:db8::/32"}), list({"10.9.0.0/16"})};
  struct Case {
    const char* address;
    std::optional<Refusal> refused;  // and why, as the metrics count it
  };
  const Case cases[] = {
      {"10.1.2.3", std::nullopt},
      {"10.9.2.3", Refusal::kDeny},   // in both lists: deny wins
      {"11.0.0.1", Refusal::kAllow},  // on no list, and there is an allow list
      {"2001:db8::7", std::nullopt},
      {"2001:db9::7", Refusal::kAllow},
      // An IPv4 client of a dual-stack listener, as ::ffff:a.b.c.d.
      {"::ffff:10.1.2.3", std::nullopt},
      {"::ffff:10.9.2.3", Refusal::kDeny},
      {"::ffff:11.0.0.1", Refusal::kAllow},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(policy.refuses(inet(c.address)), c.refused) << c.address;
    EXPECT_EQ(policy.admits(inet(c.address)), !c.refused) << c.address;
  }
  EXPECT_FALSE(policy.admits(SocketAddress::unix_path("/run/x.sock")));
}

TEST(AccessPolicy, DenyAloneAdmitsTheRest) {
  AccessPolicy policy{{}, list({"127.0.0.2", "::1"})};
  EXPECT_FALSE(policy.admits(inet("127.0.0.2")));
  EXPECT_FALSE(policy.admits(inet("::ffff:127.0.0.2")));
  EXPECT_FALSE(policy.admits(inet("::1")));
  EXPECT_TRUE(policy.admits(inet("127.0.0.1")));
}

TEST(SourceLimits, BurstIsASecondsWorthUnlessSet) {
  EXPECT_EQ((SourceLimits{0, 10, 0}.burst()), 10u);
  EXPECT_EQ((SourceLimits{0, 10, 3}.burst()), 3u);
  EXPECT_EQ((SourceLimits{0, 0, 0}.burst()), 1u);
}

}  // namespace
}  // namespace ackd
