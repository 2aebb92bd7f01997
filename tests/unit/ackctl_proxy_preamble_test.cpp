#include "client/proxy_preamble.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>

#include "daemon/transport/proxy_header.h"

namespace ackd::client {
namespace {

using namespace std::string_literals;

SocketAddress address(const char* text) { return parse_proxy_source(text); }

ProxyPreamble preamble(ProxyVersion version, const char* source) {
  return ProxyPreamble{version, address(source)};
}

TEST(ProxyPreamble, WritesV1Lines) {
  struct Case {
    const char* source;
    const char* destination;
    const char* line;
  };
  const Case cases[] = {
      {"192.0.2.1:4000", "127.0.0.1:51717", "PROXY TCP4 192.0.2.1 127.0.0.1 4000 51717\r\n"},
      {"[2001:db8::1]:4000", "[::1]:443", "PROXY TCP6 2001:db8::1 ::1 4000 443\r\n"},
      // Mixed families: IPv6, the IPv4 address mapped (as HAProxy does).
      {"192.0.2.1:4000", "[::1]:443", "PROXY TCP6 ::ffff:192.0.2.1 ::1 4000 443\r\n"},
      {"[2001:db8::1]:4000", "127.0.0.1:1", "PROXY TCP6 2001:db8::1 ::ffff:127.0.0.1 4000 1\r\n"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(preamble(ProxyVersion::kV1, c.source).header_for(address(c.destination)), c.line);
  }
}

TEST(ProxyPreamble, WritesV2Blocks) {
  std::string tcp4 =
      preamble(ProxyVersion::kV2, "192.0.2.1:4000").header_for(address("198.51.100.1:51717"));
  EXPECT_EQ(tcp4, "\r\n\r\n\0\r\nQUIT\n"s + "\x21\x11\x00\x0c"s + "\xc0\x00\x02\x01"s +
                      "\xc6\x33\x64\x01" + "\x0f\xa0" + "\xca\x05");
  std::string tcp6 =
      preamble(ProxyVersion::kV2, "[2001:db8::1]:4000").header_for(address("[::1]:443"));
  EXPECT_EQ(tcp6.size(), 16u + 36u);
  EXPECT_EQ(tcp6.substr(12, 4), "\x21\x21\x00\x24"s);
}

// What ackctl writes, ackd's parser reads back: the same endpoints.
TEST(ProxyPreamble, RoundTripsThroughTheDaemonsParser) {
  const char* pairs[][2] = {{"192.0.2.1:4000", "127.0.0.1:51717"},
                            {"[2001:db8::1]:65535", "[::1]:1"},
                            {"192.0.2.1:4000", "[::1]:443"}};
  for (ProxyVersion version : {ProxyVersion::kV1, ProxyVersion::kV2}) {
    for (const auto& [source, destination] : pairs) {
      std::string header = preamble(version, source).header_for(address(destination));
      ProxyParseResult r = parse_proxy_header(header + "hello\n", ProxyProtocol::kAny);
      ASSERT_EQ(r.status, ProxyParseStatus::kDone) << r.error;
      EXPECT_EQ(r.header.version, version == ProxyVersion::kV1 ? 1 : 2);
      EXPECT_EQ(r.header.length, header.size());
      EXPECT_TRUE(r.header.proxied);
      bool mixed = address(source).family() != address(destination).family();
      EXPECT_EQ(r.header.source.to_string(),
                mixed ? "192.0.2.1:4000" : address(source).to_string());  // mapped: as IPv4
      EXPECT_EQ(r.header.destination.to_string(), address(destination).to_string());
    }
  }
}

// To a unix socket: the unspecified address of the source's family, port 0.
TEST(ProxyPreamble, UnixDestination) {
  SocketAddress path = SocketAddress::unix_path("/run/ackd/ackd.sock");
  EXPECT_EQ(preamble(ProxyVersion::kV1, "192.0.2.1:4000").header_for(path),
            "PROXY TCP4 192.0.2.1 0.0.0.0 4000 0\r\n");
  EXPECT_EQ(preamble(ProxyVersion::kV1, "[2001:db8::1]:4000").header_for(path),
            "PROXY TCP6 2001:db8::1 :: 4000 0\r\n");
}

TEST(ProxyPreamble, NoneWritesNothing) {
  EXPECT_EQ(ProxyPreamble{}.header_for(address("127.0.0.1:1")), "");
  EXPECT_FALSE(make_proxy_preamble(false, false, "", false).enabled());
}

TEST(ProxyPreamble, OptionsAreChecked) {
  ProxyPreamble v2 = make_proxy_preamble(false, true, "[::1]:9", false);
  EXPECT_EQ(v2.version, ProxyVersion::kV2);
  EXPECT_EQ(v2.source.to_string(), "[::1]:9");
  struct Case {
    bool v1, v2;
    const char* source;
    bool datagram;
    const char* says;
  };
  const Case cases[] = {
      {false, false, "192.0.2.1:1", false, "--proxy-source needs --proxy-v1 or --proxy-v2"},
      {true, true, "192.0.2.1:1", false, "not both"},
      {true, false, "192.0.2.1:1", true, "are for streams"},
      {true, false, "", false, "--proxy-v1 needs --proxy-source ADDR:PORT"},
      {false, true, "", false, "--proxy-v2 needs --proxy-source ADDR:PORT"},
      {true, false, "client.example:1", false,
       "--proxy-source: \"client.example:1\": the source "
       "must be a numeric address and port"},
      {true, false, "192.0.2.1", false, "--proxy-source: "},
  };
  for (const Case& c : cases) {
    try {
      make_proxy_preamble(c.v1, c.v2, c.source, c.datagram);
      ADD_FAILURE() << "accepted " << c.source;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(c.says), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace ackd::client
