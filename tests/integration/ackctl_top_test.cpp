// ackctl top against a running daemon: frames with the totals and their
// rates, as many as --count asks, then exit 0.
#include <gtest/gtest.h>

#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/ports.h"

namespace ackd::test {
namespace {

TEST(TopCommand, ShowsTheTotalsAndTheirRates) {
  uint16_t port = free_port();
  Daemon daemon("[daemon]\nworkers = 2\nlog_messages = false\n" + tcp_listener("tcp", port));
  for (int i = 0; i < 3; ++i) ASSERT_EQ(tcp_exchange(port, "m\n"), "I got your message\n");
  RunResult top =
      ackctl({"top", "--socket", daemon.control_socket(), "--interval", "200ms", "--count", "2"});
  ASSERT_EQ(top.exit_code, 0) << top.err;
  std::vector<std::string> headers =
      lines_with(top.out, "ackd: master pid " + std::to_string(daemon.pid()));
  EXPECT_EQ(headers.size(), 2u) << top.out;
  std::vector<std::string> messages = lines_with(top.out, "messages ");
  ASSERT_EQ(messages.size(), 2u) << top.out;
  EXPECT_NE(messages[0].find(" 3          -"), std::string::npos) << messages[0];
  EXPECT_NE(messages[1].find(" 3        0.0"), std::string::npos) << messages[1];
  EXPECT_EQ(top.out.find("\x1b["), std::string::npos) << "not a terminal: no escapes";
}

TEST(TopCommand, ABadIntervalIsAUsageError) {
  RunResult top = ackctl({"top", "--socket", "/nonexistent", "--interval", "soon"});
  EXPECT_EQ(top.exit_code, 2) << top.err;
}

}  // namespace
}  // namespace ackd::test
