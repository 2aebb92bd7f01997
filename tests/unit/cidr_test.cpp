#include "common/cidr.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cstring>
#include <string>

namespace ackd {
namespace {

// An inet SocketAddress from a numeric address, port 1000.
SocketAddress inet(const char* text) {
  SocketAddress address;
  auto* in = reinterpret_cast<sockaddr_in*>(&address.storage);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
  if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port = htons(1000);
    address.length = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(1000);
    address.length = sizeof(sockaddr_in6);
  } else {
    ADD_FAILURE() << "not an address: " << text;
  }
  return address;
}

TEST(ParseCidr, Valid) {
  struct Case {
    const char* text;
    const char* canonical;
  };
  const Case cases[] = {
      {"10.0.0.0/8", "10.0.0.0/8"},
      {"192.0.2.7", "192.0.2.7/32"},
      {"0.0.0.0/0", "0.0.0.0/0"},
      {"192.0.2.128/25", "192.0.2.128/25"},
      {"::1/128", "::1/128"},
      {"::1", "::1/128"},
      {"::/0", "::/0"},
      {"2001:db8::/32", "2001:db8::/32"},
      {"2001:DB8::/32", "2001:db8::/32"},
      {"::ffff:10.0.0.0/104", "::ffff:10.0.0.0/104"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(parse_cidr(c.text).to_string(), c.canonical) << c.text;
  }
}

TEST(ParseCidr, Invalid) {
  struct Case {
    const char* text;
    const char* says;  // part of the message
  };
  const Case cases[] = {
      {"", "is not an address range"},
      {"10.0.0.0/", "prefix length must be 0 to 32"},
      {"10.0.0.0/33", "prefix length must be 0 to 32"},
      {"10.0.0.0/08", "prefix length must be 0 to 32"},
      {"10.0.0.0/8x", "prefix length must be 0 to 32"},
      {"10.0.0.0/-1", "prefix length must be 0 to 32"},
      {"::/129", "prefix length must be 0 to 128"},
      {"10.1.0.0/8", "did you mean \"10.0.0.0/8\""},
      {"192.0.2.129/25", "did you mean \"192.0.2.128/25\""},
      {"2001:db8::1/32", "did you mean \"2001:db8::/32\""},
      {"010.0.0.0/8", "is not an address range"},
      {"10.0.0/8", "is not an address range"},
      {"localhost", "is not an address range"},
      {"[::1]/128", "is not an address range"},
      {" 10.0.0.0/8", "is not an address range"},
  };
  for (const Case& c : cases) {
    try {
      parse_cidr(c.text);
      ADD_FAILURE() << "accepted \"" << c.text << "\"";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(c.says), std::string::npos)
          << c.text << ": " << e.what();
    }
  }
}

TEST(Cidr, Contains) {
  struct Case {
    const char* cidr;
    const char* address;
    bool contained;
  };
  const Case cases[] = {
      {"10.0.0.0/8", "10.255.1.2", true},
      {"10.0.0.0/8", "11.0.0.1", false},
      {"192.0.2.128/25", "192.0.2.128", true},
      {"192.0.2.128/25", "192.0.2.127", false},
      {"192.0.2.7", "192.0.2.7", true},
      {"192.0.2.7", "192.0.2.6", false},
      {"0.0.0.0/0", "203.0.113.9", true},
      // An IPv4 range matches IPv4 peers on a dual-stack socket.
      {"127.0.0.0/8", "::ffff:127.0.0.2", true},
      {"127.0.0.0/8", "::ffff:128.0.0.1", false},
      // ...but not IPv6 addresses that merely end in the same bytes.
      {"127.0.0.0/8", "::127.0.0.1", false},
      {"0.0.0.0/0", "::1", false},
      {"::1/128", "::1", true},
      {"::1/128", "127.0.0.1", false},
      {"2001:db8::/32", "2001:db8:ffff::1", true},
      {"2001:db8::/32", "2001:db9::1", false},
      {"2001:db8::/31", "2001:db9::1", true},
      // IPv6 ranges see IPv4 peers as ::ffff:a.b.c.d.
      {"::ffff:10.0.0.0/104", "10.1.2.3", true},
      {"::ffff:10.0.0.0/104", "::ffff:10.1.2.3", true},
      {"::ffff:10.0.0.0/104", "11.1.2.3", false},
      {"::/0", "192.0.2.1", true},
      // Prefixes either side of the 64-bit halves a range is compared in.
      {"2001:db8::/64", "2001:db8::ffff:ffff:ffff:ffff", true},
      {"2001:db8::/65", "2001:db8::7fff:0:0:1", true},
      {"2001:db8::/65", "2001:db8::8000:0:0:1", false},
      {"2001:db8::/63", "2001:db8:0:1::1", true},
      {"2001:db8::/63", "2001:db8:0:2::1", false},
      {"2001:db8::1/128", "2001:db8::1", true},
      {"2001:db8::1/128", "2001:db8::2", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(parse_cidr(c.cidr).contains(inet(c.address)), c.contained)
        << c.cidr << " contains " << c.address;
  }
}

TEST(Cidr, NeverContainsUnixAddresses) {
  EXPECT_FALSE(parse_cidr("0.0.0.0/0").contains(SocketAddress::unix_path("/run/x.sock")));
  EXPECT_FALSE(parse_cidr("::/0").contains(SocketAddress::unix_path("/run/x.sock")));
  EXPECT_FALSE(loopback_cidrs().contains(SocketAddress::unix_path("/run/x.sock")));
}

TEST(CidrList, ContainsAnyEntry) {
  CidrList list({parse_cidr("10.0.0.0/8"), parse_cidr("2001:db8::/32")});
  EXPECT_TRUE(list.contains(inet("10.9.9.9")));
  EXPECT_TRUE(list.contains(inet("::ffff:10.9.9.9")));
  EXPECT_TRUE(list.contains(inet("2001:db8::5")));
  EXPECT_FALSE(list.contains(inet("192.0.2.1")));
  EXPECT_FALSE(CidrList().contains(inet("10.0.0.1")));
  EXPECT_TRUE(CidrList().empty());
  EXPECT_EQ(list.to_string(), "10.0.0.0/8, 2001:db8::/32");
}

TEST(CidrList, LoopbackIsTheDefaultTrust) {
  CidrList loopback = loopback_cidrs();
  EXPECT_EQ(loopback.to_string(), "127.0.0.0/8, ::1/128");
  for (const char* address : {"127.0.0.1", "127.0.0.3", "::1", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(loopback.contains(inet(address))) << address;
  }
  for (const char* address : {"192.0.2.1", "::2", "::ffff:192.0.2.1"}) {
    EXPECT_FALSE(loopback.contains(inet(address))) << address;
  }
}

// An IPv4 client is checked against its own 32-bit view of the ranges: it
// must agree with the same client seen as ::ffff:a.b.c.d, for ranges
// inside, around and beside that space.
TEST(CidrList, AnIpv4ClientMatchesAsItsMappedForm) {
  const char* ranges[] = {"10.0.0.0/8",    "0.0.0.0/0",     "192.0.2.7/32",
                          "::/0",          "::ffff:0:0/96", "::ffff:10.0.0.0/104",
                          "::fffe:0:0/95", "::fffe:0:0/96", "::/64",
                          "2001:db8::/32", "::1/128",       "::ffff:192.0.2.0/120"};
  const char* clients[] = {"10.1.2.3", "192.0.2.7", "192.0.2.200", "0.0.0.0", "255.255.255.255"};
  for (const char* range : ranges) {
    CidrList list({parse_cidr(range)});
    for (const char* client : clients) {
      EXPECT_EQ(list.contains(inet(client)),
                list.contains(inet(("::ffff:" + std::string(client)).c_str())))
          << client << " in " << range;
    }
  }
  EXPECT_TRUE(CidrList({parse_cidr("::/0")}).contains(inet("10.1.2.3")));
  EXPECT_TRUE(CidrList({parse_cidr("::/64")}).contains(inet("10.1.2.3")));  // ::ffff:... is in it
  EXPECT_FALSE(CidrList({parse_cidr("::/96")}).contains(inet("10.1.2.3")));
  EXPECT_TRUE(CidrList({parse_cidr("::ffff:10.0.0.0/104")}).contains(inet("10.1.2.3")));
}

}  // namespace
}  // namespace ackd
