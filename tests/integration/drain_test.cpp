// Draining without dropping (issue 15, item 9): keep-alive clients that
// look for the server's close before each send (as a keep-alive client
// should), and ackctl bench's, lose no message across storms of reloads and
// binary upgrades: a retired worker closes a keep-alive connection only
// with the FIN in the segment of an ack.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <csignal>
#include <fstream>
#include <tuple>

#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/keepalive_load.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"
#include "tests/support/proc_stat.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;

std::string storm_config(const std::string& mode, uint16_t port, const std::string& dir) {
  std::string process = mode == "fork" ? "mode = \"fork\"\ndispatchers = 2\n" : "workers = 2\n";
  return "[daemon]\n" + process + "log_messages = false\nshutdown_timeout = \"5s\"\n" +
         "pidfile = \"" + dir + "/ackd.pid\"\n" + tcp_listener("tcp", port) +
         unix_listener("local", dir + "/s");
}

pid_t read_pid(const std::string& path) {
  std::ifstream file(path);
  pid_t pid = 0;
  file >> pid;
  return pid;
}

// Binary upgrades one after another: USR2 to the current master, then the
// new master in the pidfile and the old one gone. The masters after the
// first are not our children: the last one is stopped when the storm ends,
// whatever happened.
class UpgradeStorm {
 public:
  UpgradeStorm(Daemon& daemon, std::string pidfile)
      : daemon_(daemon), pidfile_(std::move(pidfile)), master_(daemon.pid()) {}
  ~UpgradeStorm() {
    pid_t last = read_pid(pidfile_);
    if (last <= 0 || last == daemon_.pid()) return;
    kill(last, SIGTERM);
    EXPECT_TRUE(wait_until([&] { return !alive(last); }, 15s));
  }
  UpgradeStorm(const UpgradeStorm&) = delete;
  UpgradeStorm& operator=(const UpgradeStorm&) = delete;

  ::testing::AssertionResult upgrade() {
    kill(master_, SIGUSR2);
    if (!wait_until([&] { return read_pid(pidfile_) != master_; }, 15s)) {
      return ::testing::AssertionFailure() << "no new master took over from " << master_;
    }
    // The first master is our child, reaped here; the others are orphans,
    // and an orphan's zombie may wait a while for its reaper: gone too.
    bool gone = master_ == daemon_.pid() ? daemon_.wait_for(15s).has_value()
                                         : wait_until([&] { return !alive(master_); }, 15s);
    if (!gone) {
      return ::testing::AssertionFailure()
             << "the old master " << master_ << " stayed (state " << process_state(master_) << ")";
    }
    master_ = read_pid(pidfile_);
    return ::testing::AssertionSuccess();
  }
  pid_t master() const { return master_; }

 private:
  Daemon& daemon_;
  std::string pidfile_;
  pid_t master_;
};

class DrainStorm : public ::testing::TestWithParam<const char*> {};

// Five reloads, each once the clients made progress with the generation
// before; then no client may have lost a message.
void reload_storm(Daemon& daemon, KeepAliveClients& clients) {
  ASSERT_TRUE(clients.wait_for_progress(200, 10s));
  for (int reload = 0; reload < 5; ++reload) {
    daemon.signal(SIGHUP);
    ASSERT_TRUE(daemon.wait_for_log("reloaded: generation " + std::to_string(reload + 2), 10s));
    ASSERT_TRUE(clients.wait_for_progress(200, 10s)) << "after reload " << reload;
  }
  clients.stop();
  EXPECT_EQ(clients.failures(), 0u) << clients.first_failures();
}

TEST_P(DrainStorm, ReloadsDropNoMessage) {
  uint16_t port = free_port();
  TempDir dir;
  Daemon daemon(storm_config(GetParam(), port, dir.path()));
  KeepAliveOptions options;
  options.clients = 16;
  KeepAliveClients clients([&] { return connect_tcp(port); }, options);
  reload_storm(daemon, clients);
}

TEST_P(DrainStorm, UnixClientsLoseNothingToReloads) {
  uint16_t port = free_port();
  TempDir dir;
  Daemon daemon(storm_config(GetParam(), port, dir.path()));
  KeepAliveOptions options;
  options.clients = 16;
  std::string path = dir.path() + "/s";
  KeepAliveClients clients([&] { return connect_unix(path); }, options);
  reload_storm(daemon, clients);
}

TEST_P(DrainStorm, UpgradesDropNoMessage) {
  uint16_t port = free_port();
  TempDir dir;
  Daemon daemon(storm_config(GetParam(), port, dir.path()));
  KeepAliveOptions options;
  options.clients = 16;
  KeepAliveClients clients([&] { return connect_tcp(port); }, options);
  ASSERT_TRUE(clients.wait_for_progress(200, 10s));
  UpgradeStorm storm(daemon, dir.path() + "/ackd.pid");
  for (int upgrade = 0; upgrade < 3; ++upgrade) {
    ASSERT_TRUE(storm.upgrade());
    ASSERT_TRUE(clients.wait_for_progress(200, 10s)) << "after upgrade " << upgrade;
  }
  clients.stop();
  EXPECT_EQ(clients.failures(), 0u) << clients.first_failures();
}

INSTANTIATE_TEST_SUITE_P(Modes, DrainStorm, ::testing::Values("prefork", "fork"));

// The replies the daemon counted in all (0 without a status).
uint64_t total_replies(const Daemon& daemon) {
  std::optional<DaemonStatus> status = daemon_status(daemon.control_socket());
  return status ? status->total_replies : 0;
}

// Waits until the daemon has answered `n` more messages.
bool wait_for_replies(const Daemon& daemon, uint64_t n) {
  uint64_t target = total_replies(daemon) + n;
  return wait_until([&] { return total_replies(daemon) >= target; }, 10s);
}

// ackctl bench, 16 keep-alive clients, until finish(): such clients too.
class BenchRun {
 public:
  explicit BenchRun(const std::vector<std::string>& target)
      : bench_(argv(target), {}, out_.file("bench.json"), out_.file("bench.err")) {}

  // Ends the run with an INT (the report comes then, as at its end) and
  // checks it: exit 0, no error, at least `acks` acks.
  void finish(uint64_t acks) {
    bench_.send_signal(SIGINT);
    auto status = bench_.wait_for(20s);
    ASSERT_TRUE(status);
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "status " << *status;
    std::ifstream file(out_.file("bench.json"));
    std::string json((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    EXPECT_EQ(json_number(json, "errors"), 0u) << json;
    EXPECT_GT(json_number(json, "acks").value_or(0), acks) << json;
  }

 private:
  // A bound only: the run ends with finish().
  static std::vector<std::string> argv(const std::vector<std::string>& target) {
    std::vector<std::string> argv = {ACKCTL_BINARY, "bench", "-c",    "16",
                                     "--duration",  "60s",   "--json"};
    argv.insert(argv.end(), target.begin(), target.end());
    return argv;
  }

  TempDir out_;
  Subprocess bench_;
};

// ackctl bench's keep-alive clients are such clients: no error across
// reloads, over TCP and over a unix socket.
class BenchAcrossReloads : public ::testing::TestWithParam<const char*> {};

TEST_P(BenchAcrossReloads, KeepAliveSeesNoError) {
  uint16_t port = free_port();
  TempDir dir;
  Daemon daemon(storm_config("prefork", port, dir.path()));
  std::vector<std::string> target = {"127.0.0.1", std::to_string(port), "--mode", "keep"};
  if (std::string(GetParam()) == "unix") target = {"--unix", dir.path() + "/s", "--mode", "unix"};
  BenchRun bench(target);
  ASSERT_TRUE(wait_for_replies(daemon, 200)) << "the clients did not start";
  for (int reload = 0; reload < 6; ++reload) {
    daemon.signal(SIGHUP);
    ASSERT_TRUE(daemon.wait_for_log("reloaded: generation " + std::to_string(reload + 2), 10s));
    ASSERT_TRUE(wait_for_replies(daemon, 200)) << "no progress after reload " << reload;
  }
  ASSERT_TRUE(wait_until([&] { return total_replies(daemon) >= 2000; }, 20s));
  bench.finish(1000);
}

INSTANTIATE_TEST_SUITE_P(Transports, BenchAcrossReloads, ::testing::Values("tcp", "unix"));

// And across binary upgrades, in both process modes, over TCP and over a
// unix socket. Progress is seen in
// connections (fork mode counts a connection's messages only when it
// ends): each upgrade is done once the old master is gone, all its
// connections closed, and the bench's clients are all connected again, to
// the new master.
class BenchAcrossUpgrades : public ::testing::TestWithParam<std::tuple<const char*, const char*>> {
};

bool all_connected_to(const Daemon& daemon, pid_t master, uint64_t clients) {
  return wait_until(
      [&] {
        std::optional<DaemonStatus> status = daemon_status(daemon.control_socket());
        return status && status->master_pid == master && status->open_connections() >= clients;
      },
      15s);
}

TEST_P(BenchAcrossUpgrades, KeepAliveSeesNoError) {
  auto [mode, transport] = GetParam();
  uint16_t port = free_port();
  TempDir dir;
  Daemon daemon(storm_config(mode, port, dir.path()));
  std::vector<std::string> target = {"127.0.0.1", std::to_string(port), "--mode", "keep"};
  if (std::string(transport) == "unix") target = {"--unix", dir.path() + "/s", "--mode", "unix"};
  BenchRun bench(target);
  ASSERT_TRUE(all_connected_to(daemon, daemon.pid(), 16)) << "the clients did not start";
  UpgradeStorm storm(daemon, dir.path() + "/ackd.pid");
  for (int upgrade = 0; upgrade < 3; ++upgrade) {
    ASSERT_TRUE(storm.upgrade());
    ASSERT_TRUE(all_connected_to(daemon, storm.master(), 16))
        << "the clients did not come back after upgrade " << upgrade;
  }
  bench.finish(1000);
}

INSTANTIATE_TEST_SUITE_P(ModesAndTransports, BenchAcrossUpgrades,
                         ::testing::Combine(::testing::Values("prefork", "fork"),
                                            ::testing::Values("tcp", "unix")),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param)) + "_" +
                                  std::get<1>(info.param);
                         });

}  // namespace
}  // namespace ackd::test
