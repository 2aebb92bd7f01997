#include "common/endpoint.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

namespace ackd {
namespace {

TEST(ParseEndpoint, Valid) {
  struct Case {
    const char* text;
    const char* host;
    uint16_t port;
  };
  const Case cases[] = {
      {"127.0.0.1:51717", "127.0.0.1", 51717},
      {"[::]:51717", "::", 51717},
      {"[::1]:1", "::1", 1},
      {"localhost:65535", "localhost", 65535},
      {"example.org:80", "example.org", 80},
  };
  for (const Case& c : cases) {
    Endpoint e = parse_endpoint(c.text);
    EXPECT_EQ(e.host, c.host) << c.text;
    EXPECT_EQ(e.port, c.port) << c.text;
    EXPECT_EQ(e.to_string(), c.text);
  }
}

TEST(ParseEndpoint, Invalid) {
  for (const char* text : {"", "127.0.0.1", ":80", "host:", "host:0", "host:65536", "host:http",
                           "::1:80", "[::1]80", "[::1", "[]:80", "host:80x"}) {
    EXPECT_THROW(parse_endpoint(text), std::invalid_argument) << text;
  }
}

TEST(Resolve, NumericAddresses) {
  auto v4 = resolve(parse_endpoint("127.0.0.1:5000"), SOCK_STREAM, false);
  EXPECT_EQ(v4.front().to_string(), "127.0.0.1:5000");
  auto v6 = resolve(parse_endpoint("[::1]:5000"), SOCK_DGRAM, false);
  EXPECT_EQ(v6.front().to_string(), "[::1]:5000");
}

TEST(Resolve, UnknownHost) {
  try {
    resolve(parse_endpoint("nosuchhost.invalid:80"), SOCK_STREAM, false);
    FAIL() << "resolved an .invalid name";
  } catch (const ResolveError& e) {
    EXPECT_TRUE(e.unknown_host());
  }
}

TEST(SocketAddress, UnixPaths) {
  EXPECT_EQ(SocketAddress::unix_path("/run/ackd/ackd.sock").to_string(),
            "unix:/run/ackd/ackd.sock");
  EXPECT_THROW(SocketAddress::unix_path(std::string(200, 'x')), std::invalid_argument);
  EXPECT_THROW(SocketAddress::unix_path(""), std::invalid_argument);
}

}  // namespace
}  // namespace ackd
