// ackctl send and bench with --proxy-v1/--proxy-v2 --proxy-source: each
// connection begins with the PROXY header HAProxy would send, checked byte
// for byte by a tiny server that records what it receives.
#include <gtest/gtest.h>

#include <string>

#include "tests/support/capture_server.h"
#include "tests/support/exchange.h"

namespace ackd::test {
namespace {

using namespace std::string_literals;

std::string be16(uint16_t value) {
  return {static_cast<char>(value >> 8), static_cast<char>(value & 0xff)};
}

TEST(AckctlProxy, SendBeginsWithAV1Line) {
  CaptureServer server("hello\n");
  std::string port = std::to_string(server.port());
  RunResult r = ackctl(
      {"send", "--proxy-v1", "--proxy-source", "192.0.2.1:4000", "127.0.0.1", port, "hello"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "I got your message\n");
  ASSERT_EQ(server.received().size(), 1u);
  EXPECT_EQ(server.received()[0], "PROXY TCP4 192.0.2.1 127.0.0.1 4000 " + port + "\r\nhello\n");
}

TEST(AckctlProxy, SendBeginsWithAV2Block) {
  CaptureServer server("hello\n");
  RunResult r = ackctl({"send", "--proxy-v2", "--proxy-source", "192.0.2.1:4000", "127.0.0.1",
                        std::to_string(server.port()), "hello"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(server.received().size(), 1u);
  std::string expected = "\r\n\r\n\0\r\nQUIT\n"s + "\x21\x11\x00\x0c"s + "\xc0\x00\x02\x01"s +
                         "\x7f\x00\x00\x01"s + be16(4000) + be16(server.port()) + "hello\n";
  EXPECT_EQ(server.received()[0], expected);
}

// An IPv6 client through a proxy to an IPv4 server: TCP6, the server mapped.
TEST(AckctlProxy, MixedFamiliesAreWrittenAsIpv6) {
  CaptureServer server("hello\n");
  std::string port = std::to_string(server.port());
  RunResult r = ackctl(
      {"send", "--proxy-v1", "--proxy-source", "[2001:db8::7]:4000", "127.0.0.1", port, "hello"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(server.received().size(), 1u);
  EXPECT_EQ(server.received()[0],
            "PROXY TCP6 2001:db8::7 ::ffff:127.0.0.1 4000 " + port + "\r\nhello\n");
}

TEST(AckctlProxy, UsageErrors) {
  const std::vector<std::vector<std::string>> cases = {
      {"send", "--proxy-v1", "127.0.0.1", "1", "m"},
      {"send", "--proxy-source", "192.0.2.1:1", "127.0.0.1", "1", "m"},
      {"send", "--proxy-v2", "--udp", "--proxy-source", "192.0.2.1:1", "127.0.0.1", "1", "m"},
      {"send", "--proxy-v1", "--proxy-v2", "--proxy-source", "192.0.2.1:1", "127.0.0.1", "1"},
      {"send", "--proxy-v1", "--proxy-source", "client.example:1", "127.0.0.1", "1", "m"},
      {"bench", "--proxy-v1", "127.0.0.1", "1"},
      {"bench", "--mode", "udp", "--proxy-v1", "--proxy-source", "192.0.2.1:1", "127.0.0.1", "1"},
  };
  for (const auto& args : cases) {
    RunResult r = ackctl(args);
    EXPECT_EQ(r.exit_code, 2) << args[1] << " " << args[2] << ": " << r.err;
    EXPECT_NE(r.err.find("proxy"), std::string::npos) << r.err;
  }
}

// bench --mode conn: the header on every connection.
TEST(AckctlProxy, BenchSendsTheHeaderOnEachConnection) {
  const std::string message = "ackctl bench me\n";  // --size 16
  CaptureServer server(message);
  std::string port = std::to_string(server.port());
  RunResult r =
      ackctl({"bench", "--mode", "conn", "-c", "1", "-t", "1", "--messages", "5", "--size", "16",
              "--proxy-v1", "--proxy-source", "192.0.2.9:5000", "127.0.0.1", port});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("proxy:    a PROXY v1 header first on each connection, from 192.0.2.9:5000"),
            std::string::npos)
      << r.out;
  std::vector<std::string> received = server.received();
  ASSERT_EQ(received.size(), 5u);
  for (const std::string& bytes : received) {
    EXPECT_EQ(bytes, "PROXY TCP4 192.0.2.9 127.0.0.1 5000 " + port + "\r\n" + message);
  }
}

// bench --mode keep: the header once, before the connection's first message.
TEST(AckctlProxy, BenchKeepAliveSendsTheHeaderOnce) {
  const std::string message = "ackctl bench me\n";
  CaptureServer server(message, /*per_connection=*/3);
  RunResult r = ackctl({"bench", "--mode", "keep", "-c", "1", "-t", "1", "--messages", "3",
                        "--size", "16", "--proxy-v2", "--proxy-source", "192.0.2.9:5000",
                        "127.0.0.1", std::to_string(server.port())});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::vector<std::string> received = server.received();
  ASSERT_EQ(received.size(), 1u);
  std::string header = "\r\n\r\n\0\r\nQUIT\n"s + "\x21\x11\x00\x0c"s + "\xc0\x00\x02\x09"s +
                       "\x7f\x00\x00\x01"s + be16(5000) + be16(server.port());
  EXPECT_EQ(received[0], header + message + message + message);
}

}  // namespace
}  // namespace ackd::test
