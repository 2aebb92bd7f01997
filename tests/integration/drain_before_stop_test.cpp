// [daemon] drain_before_stop: a graceful stop first keeps serving, new
// connections too, while the daemon says it drains (for a load balancer's
// agent), then stops as usual; a second request ends the drain at once.
#include <gtest/gtest.h>

#include <csignal>
#include <string>

#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/ports.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string config(uint16_t port, const char* drain) {
  return std::string("[daemon]\nworkers = 1\ndrain_before_stop = \"") + drain + "\"\n" +
         tcp_listener("tcp", port);
}

TEST(DrainBeforeStop, KeepsServingWhileDrainingThenStops) {
  uint16_t port = free_port();
  Daemon daemon(config(port, "2s"));
  auto asked = Clock::now();
  daemon.signal(SIGTERM);
  ASSERT_TRUE(daemon.wait_for_log("draining for 2s before stopping (drain_before_stop)"))
      << daemon.log();
  // Still accepting and acking new connections, and saying so.
  EXPECT_EQ(tcp_exchange(port, "during the drain\n"), "I got your message\n");
  RunResult status = ackctl({"status", "--socket", daemon.control_socket()});
  EXPECT_NE(status.out.find(", draining\n"), std::string::npos) << status.out << status.err;
  std::optional<DaemonStatus> json = daemon_status(daemon.control_socket());
  ASSERT_TRUE(json);
  EXPECT_NE(json->json.find("\"state\":\"draining\""), std::string::npos) << json->json;
  EXPECT_EQ(tcp_exchange(port, "still during the drain\n"), "I got your message\n");

  std::optional<int> status_code = daemon.wait_for(10s);
  ASSERT_TRUE(status_code) << "still running 10 s after TERM with a 2 s drain";
  EXPECT_TRUE(WIFEXITED(*status_code) && WEXITSTATUS(*status_code) == 0);
  EXPECT_GE(Clock::now() - asked, 2s) << "stopped before drain_before_stop had passed";
}

TEST(DrainBeforeStop, ASecondRequestEndsTheDrain) {
  uint16_t port = free_port();
  Daemon daemon(config(port, "60s"));
  RunResult stop = ackctl({"stop", "--socket", daemon.control_socket()});
  EXPECT_EQ(stop.out, "draining for 1m, then stopping\n") << stop.err;
  ASSERT_TRUE(daemon.wait_for_log("draining for 1m before stopping"));
  EXPECT_EQ(tcp_exchange(port, "during the drain\n"), "I got your message\n");
  auto asked = Clock::now();
  daemon.signal(SIGTERM);
  std::optional<int> status_code = daemon.wait_for(10s);
  ASSERT_TRUE(status_code) << "a second stop request did not end the 60 s drain";
  EXPECT_LT(Clock::now() - asked, 5s);
  EXPECT_TRUE(WIFEXITED(*status_code) && WEXITSTATUS(*status_code) == 0);
}

// Off by default: TERM stops at once, and status never says draining.
TEST(DrainBeforeStop, OffByDefault) {
  uint16_t port = free_port();
  Daemon daemon("[daemon]\nworkers = 1\n" + tcp_listener("tcp", port));
  std::optional<DaemonStatus> json = daemon_status(daemon.control_socket());
  ASSERT_TRUE(json);
  EXPECT_NE(json->json.find("\"state\":\"serving\""), std::string::npos) << json->json;
  RunResult status = ackctl({"status", "--socket", daemon.control_socket()});
  EXPECT_EQ(status.out.find("draining"), std::string::npos) << status.out;
  auto asked = Clock::now();
  std::optional<int> status_code = daemon.stop(10s);
  ASSERT_TRUE(status_code);
  EXPECT_LT(Clock::now() - asked, 3s);
  EXPECT_EQ(daemon.log().find("draining for"), std::string::npos);
}

}  // namespace
}  // namespace ackd::test
