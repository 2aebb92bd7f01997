// ackctl top against a running daemon: frames with the totals and their
// rates, as many as --count asks, then exit 0.
#include <gtest/gtest.h>

#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/from_source.h"
#include "tests/support/ports.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;

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

// Refusals show by reason (those that happened) under their total.
TEST(TopCommand, ShowsRefusalsByReason) {
  uint16_t port = free_port();
  Daemon daemon("[daemon]\nworkers = 1\nlog_messages = false\n" +
                tcp_listener("tcp", port, "deny = [\"127.0.0.2/32\"]\n"));
  EXPECT_EQ(tcp_exchange_from("127.0.0.2", port, "denied"), "");
  std::string frame;
  // The listener's counts reach the scoreboard a moment after the refusal.
  EXPECT_TRUE(wait_until(
      [&] {
        frame = ackctl({"top", "--socket", daemon.control_socket(), "--count", "1"}).out;
        return !lines_with(frame, "  deny ").empty();
      },
      5s))
      << frame;
  std::vector<std::string> refused = lines_with(frame, "refused ");
  ASSERT_EQ(refused.size(), 1u) << frame;
  EXPECT_NE(refused[0].find(" 1          -"), std::string::npos) << refused[0];
  EXPECT_NE(lines_with(frame, "  deny ")[0].find(" 1          -"), std::string::npos) << frame;
  EXPECT_EQ(frame.find("allow"), std::string::npos) << frame;
}

TEST(TopCommand, ABadIntervalIsAUsageError) {
  RunResult top = ackctl({"top", "--socket", "/nonexistent", "--interval", "soon"});
  EXPECT_EQ(top.exit_code, 2) << top.err;
}

}  // namespace
}  // namespace ackd::test
