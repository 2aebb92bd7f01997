// The spool's promise under chaos, in both process modes: every message a
// client saw acked is in the spool, whatever happens. Workers (and fork
// mode's dispatchers and connection processes) SIGKILLed at random, then
// the whole daemon; the disk filling up and emptying; retention under
// keep-alive clients. The checks read the spool through ackctl, as a user.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <random>
#include <set>
#include <thread>

#include "common/spool_reader.h"
#include "tests/support/daemon.h"
#include "tests/support/keepalive_load.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"
#include "tests/support/proc_stat.h"
#include "tests/support/small_disk.h"
#include "tests/support/spool_files.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;

class SpoolChaos : public ::testing::TestWithParam<const char*> {};

// Acked messages missing from the spool, each reported (the first ten).
size_t missing_from(const std::string& spool, const std::set<std::string>& acked) {
  std::multiset<std::string> stored = spooled_messages(spool);
  size_t lost = 0;
  for (const std::string& message : acked) {
    if (stored.count(message) > 0) continue;
    if (++lost <= 10) ADD_FAILURE() << "acked but not in the spool: " << message;
  }
  return lost;
}

// Persistent clients; serving processes SIGKILLed at random, then the whole
// daemon; ackd is started again on the same spool. Zero acked messages lost.
TEST_P(SpoolChaos, NothingAckedIsEverLostToKills) {
  uint16_t port = free_port();
  TempDir dir;
  std::string spool = dir.path() + "/spool";
  std::string config = spool_config(port, spool, "fsync", "", GetParam());
  auto daemon = std::make_unique<Daemon>(config);
  KeepAliveOptions options;
  options.clients = 8;
  options.reply_timeout = 3s;
  options.bound = 60s;  // past the restart, on a loaded machine too
  KeepAliveClients clients([&] { return connect_tcp(port); }, options);
  std::mt19937 random(42);
  for (int round = 0; round < 12; ++round) {
    // The point: kills at random moments of the load, whatever it is doing.
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + random() % 200));
    std::vector<pid_t> pids = serving_processes(daemon->pid());
    if (!pids.empty()) kill(pids[random() % pids.size()], SIGKILL);
  }
  // The whole daemon at once: the master stopped first, so that nothing is
  // respawned between the count of its processes and the kill.
  std::vector<pid_t> pids = kill_whole_daemon(daemon->pid());
  daemon->wait_for(5s);
  daemon->allow_errors();
  daemon.reset();
  for (pid_t pid : pids) wait_until([&] { return !alive(pid); }, 5s);  // a zombie holds nothing
  daemon = std::make_unique<Daemon>(config);  // same spool: recovery, then serving
  EXPECT_TRUE(clients.wait_for_progress(50, 20s)) << "no exchange after the restart";
  clients.stop();
  daemon.reset();
  ASSERT_GT(clients.acks(), 100u) << "the clients hardly ran";
  EXPECT_EQ(missing_from(spool, clients.acked()), 0u) << "of " << clients.acks() << " acked";
}

// The disk fills up, then has room again. While it is full, messages are
// answered "ERR not stored" and nothing is acked that is not on disk; no
// torn record is left for later records to follow (in fork mode every
// record acked after the disk had room again was lost to one); ackd serves
// on once there is room, and a restart loses nothing.
TEST_P(SpoolChaos, NothingAckedIsLostWhenTheDiskFillsAndEmpties) {
  std::unique_ptr<SmallDisk> disk;
  try {
    disk = std::make_unique<SmallDisk>("2m");
  } catch (const std::exception& e) {
    GTEST_SKIP() << "no small disk: " << e.what();
  }
  uint16_t port = free_port();
  std::string spool = disk->mount_point() + "/spool";
  std::string config =
      spool_config(port, spool, "fsync", "segment_size = \"256KiB\"\n", GetParam());
  DaemonOptions daemon_options;
  daemon_options.wrapper = disk->wrapper();
  auto daemon = std::make_unique<Daemon>(config, daemon_options);
  daemon->allow_errors();  // "spool: write(...): No space left on device"
  KeepAliveOptions options;
  options.clients = 6;
  options.payload = std::string(200, 'x');
  options.bound = 30s;
  KeepAliveClients clients([&] { return connect_tcp(port); }, options);
  ASSERT_TRUE(clients.wait_for_progress(200, 10s));
  disk->fill();
  EXPECT_TRUE(wait_until([&] { return clients.errs() > 20; }, 10s)) << "no ERR while full";
  disk->free();
  uint64_t acks_when_freed = clients.acks();
  EXPECT_TRUE(wait_until([&] { return clients.acks() > acks_when_freed + 500; }, 15s))
      << "no acks once the disk had room again";
  clients.stop();
  EXPECT_TRUE(daemon->wait_for_log("No space left on device"));
  daemon.reset();
  RunResult stats = run({ACKCTL_BINARY, "spool", "stats", disk->path("spool")});
  EXPECT_EQ(stats.exit_code, 0) << stats.out << stats.err;
  EXPECT_EQ(missing_from(disk->path("spool"), clients.acked()), 0u)
      << "of " << clients.acks() << " acked";
  daemon = std::make_unique<Daemon>(config, daemon_options);  // recovery cuts nothing acked
  daemon.reset();
  EXPECT_EQ(missing_from(disk->path("spool"), clients.acked()), 0u) << "after a restart";
  EXPECT_EQ(clients.failures(), 0u) << clients.first_failures();
}

// Retention retires closed segments only: under keep-alive clients (whose
// connection processes, in fork mode, outlive many rotations) the newest
// records survive it, and segments keep to segment_size.
TEST_P(SpoolChaos, RetentionKeepsTheSegmentsBeingWritten) {
  uint16_t port = free_port();
  TempDir dir;
  std::string spool = dir.path() + "/spool";
  auto daemon = std::make_unique<Daemon>(spool_config(
      port, spool, "write", "segment_size = \"64KiB\"\nmax_total_size = \"512KiB\"\n", GetParam()));
  KeepAliveOptions options;
  options.clients = 8;
  options.payload = std::string(1000, 'r');
  KeepAliveClients clients([&] { return connect_tcp(port); }, options);
  ASSERT_TRUE(clients.wait_for_progress(4000, 30s));
  EXPECT_TRUE(daemon->wait_for_log("to stay under max_total_size"));
  clients.stop();
  daemon.reset();  // the spool holds still
  for (const std::string& path : list_segments(spool)) {
    struct stat st {};
    ASSERT_EQ(stat(path.c_str(), &st), 0) << path;
    // A segment takes whole loop turns: at most one turn of 8 clients beyond.
    EXPECT_LE(st.st_size, 64 * 1024 + 8 * 1100) << path;
  }
  std::multiset<std::string> stored = spooled_messages(spool);
  for (const std::string& last : clients.last_acked()) {
    EXPECT_EQ(stored.count(last), 1u)
        << "the last message a client saw acked is gone: " << last.substr(0, 12);
  }
  EXPECT_EQ(clients.failures(), 0u) << clients.first_failures();
}

INSTANTIATE_TEST_SUITE_P(Modes, SpoolChaos, ::testing::Values("prefork", "fork"));

}  // namespace
}  // namespace ackd::test
