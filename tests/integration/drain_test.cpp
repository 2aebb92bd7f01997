// Draining without dropping: keep-alive clients that look for the server's
// close before each send (as a keep-alive client should) lose no message
// across storms of reloads and binary upgrades: a retired worker closes a
// keep-alive connection only with the FIN in the segment of an ack.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <csignal>
#include <fstream>

#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/keepalive_load.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"
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

class DrainStorm : public ::testing::TestWithParam<const char*> {};

TEST_P(DrainStorm, ReloadsDropNoMessage) {
  uint16_t port = free_port();
  TempDir dir;
  Daemon daemon(storm_config(GetParam(), port, dir.path()));
  KeepAliveOptions options;
  options.clients = 16;
  KeepAliveClients clients([&] { return connect_tcp(port); }, options);
  ASSERT_TRUE(clients.wait_for_progress(200, 10s));
  for (int reload = 0; reload < 5; ++reload) {
    daemon.signal(SIGHUP);
    ASSERT_TRUE(daemon.wait_for_log("reloaded: generation " + std::to_string(reload + 2), 10s));
    ASSERT_TRUE(clients.wait_for_progress(200, 10s)) << "after reload " << reload;
  }
  clients.stop();
  EXPECT_EQ(clients.failures(), 0u) << clients.first_failures();
}

TEST_P(DrainStorm, UnixClientsLoseNothingToReloads) {
  uint16_t port = free_port();
  TempDir dir;
  Daemon daemon(storm_config(GetParam(), port, dir.path()));
  KeepAliveOptions options;
  options.clients = 16;
  std::string path = dir.path() + "/s";
  KeepAliveClients clients([&] { return connect_unix(path); }, options);
  ASSERT_TRUE(clients.wait_for_progress(200, 10s));
  for (int reload = 0; reload < 5; ++reload) {
    daemon.signal(SIGHUP);
    ASSERT_TRUE(daemon.wait_for_log("reloaded: generation " + std::to_string(reload + 2), 10s));
    ASSERT_TRUE(clients.wait_for_progress(200, 10s)) << "after reload " << reload;
  }
  clients.stop();
  EXPECT_EQ(clients.failures(), 0u) << clients.first_failures();
}

TEST_P(DrainStorm, UpgradesDropNoMessage) {
  uint16_t port = free_port();
  TempDir dir;
  Daemon daemon(storm_config(GetParam(), port, dir.path()));
  std::string pidfile = dir.path() + "/ackd.pid";
  KeepAliveOptions options;
  options.clients = 16;
  KeepAliveClients clients([&] { return connect_tcp(port); }, options);
  ASSERT_TRUE(clients.wait_for_progress(200, 10s));
  // The masters after the first are not our children: stopped here, whatever happens.
  struct StopLastMaster {
    const std::string& pidfile;
    pid_t first;
    ~StopLastMaster() {
      pid_t last = read_pid(pidfile);
      if (last <= 0 || last == first) return;
      kill(last, SIGTERM);
      EXPECT_TRUE(wait_until([&] { return !process_exists(last); }, 15s));
    }
  } stop_last{pidfile, daemon.pid()};
  pid_t master = daemon.pid();
  for (int upgrade = 0; upgrade < 3; ++upgrade) {
    kill(master, SIGUSR2);
    ASSERT_TRUE(wait_until([&] { return read_pid(pidfile) != master; }, 15s));
    if (upgrade == 0) {
      ASSERT_TRUE(daemon.wait_for(15s)) << "the first master did not exit";
    } else {
      ASSERT_TRUE(wait_until([&] { return !process_exists(master); }, 15s));
    }
    master = read_pid(pidfile);
    ASSERT_TRUE(clients.wait_for_progress(200, 10s)) << "after upgrade " << upgrade;
  }
  clients.stop();
  EXPECT_EQ(clients.failures(), 0u) << clients.first_failures();
}

INSTANTIATE_TEST_SUITE_P(Modes, DrainStorm, ::testing::Values("prefork", "fork"));

// ackctl bench's keep-alive clients are such clients: no error across
// reloads, over TCP and over a unix socket.
class BenchAcrossReloads : public ::testing::TestWithParam<const char*> {};

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

TEST_P(BenchAcrossReloads, KeepAliveSeesNoError) {
  uint16_t port = free_port();
  TempDir dir;
  Daemon daemon(storm_config("prefork", port, dir.path()));
  TempDir out;
  std::vector<std::string> target = {"127.0.0.1", std::to_string(port), "--mode", "keep"};
  if (std::string(GetParam()) == "unix") target = {"--unix", dir.path() + "/s", "--mode", "unix"};
  // A bound only: the run ends with an INT (the report comes then, as at
  // its end) once the reloads are done.
  std::vector<std::string> argv = {ACKCTL_BINARY, "bench", "-c",    "16",
                                   "--duration",  "60s",   "--json"};
  argv.insert(argv.end(), target.begin(), target.end());
  Subprocess bench(argv, {}, out.file("bench.json"), out.file("bench.err"));
  ASSERT_TRUE(wait_for_replies(daemon, 200)) << "the clients did not start";
  for (int reload = 0; reload < 6; ++reload) {
    daemon.signal(SIGHUP);
    ASSERT_TRUE(daemon.wait_for_log("reloaded: generation " + std::to_string(reload + 2), 10s));
    ASSERT_TRUE(wait_for_replies(daemon, 200)) << "no progress after reload " << reload;
  }
  ASSERT_TRUE(wait_until([&] { return total_replies(daemon) >= 2000; }, 20s));
  bench.send_signal(SIGINT);
  auto status = bench.wait_for(20s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "status " << *status;
  std::ifstream file(out.file("bench.json"));
  std::string json((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(json_number(json, "errors"), 0u) << json;
  EXPECT_GT(json_number(json, "acks").value_or(0), 1000u) << json;
}

INSTANTIATE_TEST_SUITE_P(Transports, BenchAcrossReloads, ::testing::Values("tcp", "unix"));

}  // namespace
}  // namespace ackd::test
