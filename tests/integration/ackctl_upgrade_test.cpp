// `ackctl upgrade`: the binary upgrade (USR2) through the control socket,
// waiting for its outcome, as a package's maintainer scripts need it: exit
// 0 once the new master serves, 1 with the reason when it failed (the old
// master still serving).
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;

std::string config(uint16_t port) { return "[daemon]\nworkers = 1\n" + tcp_listener("tcp", port); }

TEST(AckctlUpgrade, ReportsTheNewMasterOnceItServes) {
  uint16_t port = free_port();
  Daemon daemon(config(port));
  pid_t old_master = daemon.pid();
  RunResult upgrade = ackctl({"upgrade", "--socket", daemon.control_socket()});
  ASSERT_EQ(upgrade.exit_code, 0) << upgrade.out << upgrade.err;
  const std::string prefix = "upgraded: new master pid ";
  ASSERT_EQ(upgrade.out.rfind(prefix, 0), 0u) << upgrade.out;
  pid_t new_master = std::stoi(upgrade.out.substr(prefix.size()));
  EXPECT_NE(new_master, old_master);
  EXPECT_TRUE(process_exists(new_master));
  // The new master serves already when ackctl returns; the old one drains.
  EXPECT_EQ(tcp_exchange(port, "after the upgrade\n"), "I got your message\n");
  std::optional<int> status = daemon.wait_for(15s);
  ASSERT_TRUE(status) << "the old master did not exit";
  std::optional<DaemonStatus> now = daemon_status(daemon.control_socket());
  ASSERT_TRUE(now);
  EXPECT_EQ(now->master_pid, new_master);
  kill(new_master, SIGTERM);
  EXPECT_TRUE(wait_until([&] { return !process_exists(new_master); }, 15s));
}

TEST(AckctlUpgrade, ReportsWhyItFailed) {
  uint16_t port = free_port();
  Daemon daemon(config(port));
  daemon.allow_errors();
  // The new master reads this config and refuses it (exit 78).
  std::ofstream(daemon.config_path()) << "[[listener]]\nname = 'x'\nprotocol = 'bogus'\n";
  RunResult upgrade = ackctl({"upgrade", "--socket", daemon.control_socket()});
  EXPECT_EQ(upgrade.exit_code, 1) << upgrade.out << upgrade.err;
  EXPECT_NE(upgrade.err.find("upgrade failed: the new master (pid "), std::string::npos)
      << upgrade.err;
  EXPECT_NE(upgrade.err.find("exited with status 78"), std::string::npos) << upgrade.err;
  EXPECT_EQ(upgrade.out, "");
  EXPECT_TRUE(process_exists(daemon.pid()));
  EXPECT_EQ(tcp_exchange(port, "still the old master\n"), "I got your message\n");
  std::optional<DaemonStatus> now = daemon_status(daemon.control_socket());
  ASSERT_TRUE(now);
  EXPECT_EQ(now->master_pid, daemon.pid());
}

// Regression: the old master answered a failed upgrade before it opened its
// control socket again (closed for the new master to open), so a status
// asked for right after the answer found no socket (1 run in 15 or so of
// the test above). A bare client asks again within microseconds.
TEST(AckctlUpgrade, ControlSocketServesAsSoonAsTheFailureIsAnswered) {
  uint16_t port = free_port();
  Daemon daemon(config(port));
  daemon.allow_errors();
  std::ofstream(daemon.config_path()) << "[[listener]]\nname = 'x'\nprotocol = 'bogus'\n";
  for (int round = 0; round < 10; ++round) {
    UniqueFd upgrade = connect_unix(daemon.control_socket());
    send_all(upgrade.get(), "upgrade\n");
    std::string reply = read_line(upgrade.get(), 15s);
    ASSERT_EQ(reply.rfind("ERR upgrade failed: ", 0), 0u) << reply;
    UniqueFd status;
    ASSERT_NO_THROW(status = connect_unix(daemon.control_socket())) << "round " << round;
    send_all(status.get(), "status json\n");
    EXPECT_NE(read_line(status.get(), 5s), "") << "round " << round;
  }
}

// A stop before the new master is ready answers the upgrade too.
TEST(AckctlUpgrade, RefusedWhileStopping) {
  uint16_t port = free_port();
  Daemon daemon("[daemon]\nworkers = 1\ndrain_before_stop = \"30s\"\n" + tcp_listener("tcp", port));
  RunResult stop = ackctl({"stop", "--socket", daemon.control_socket()});
  ASSERT_EQ(stop.exit_code, 0) << stop.err;
  RunResult upgrade = ackctl({"upgrade", "--socket", daemon.control_socket()});
  EXPECT_EQ(upgrade.exit_code, 1) << upgrade.out << upgrade.err;
  EXPECT_NE(upgrade.err.find("upgrade failed: ackd is stopping"), std::string::npos) << upgrade.err;
}

}  // namespace
}  // namespace ackd::test
