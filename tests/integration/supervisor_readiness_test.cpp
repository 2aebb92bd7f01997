// Ready means served (issue 15, item 8). The master says ready (the log's
// "ready:" line, READY=1) only once its first generation of workers serves,
// and never while they die at start; a new master of a binary upgrade tells
// the old one it is ready on the same terms. A spool the workers' user
// cannot write stops the start, with one line naming the path and the user.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/ports.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;
const std::string kAck = "I got your message\n";

size_t serving(const DaemonStatus& status) {
  return std::count_if(status.workers.begin(), status.workers.end(), [&](const WorkerStatus& w) {
    return w.generation == status.generation && w.state == "serving";
  });
}

// Workers slow to start (a second each): READY=1 comes once all of them serve.
TEST(SupervisorReadiness, ReadyOnlyOnceTheWorkersServe) {
  uint16_t port = free_port();
  DaemonOptions options;
  options.binary = ACKD_HOOKED_BINARY;
  options.extra_env = {"ACKD_TEST_WORKER_START=sleep 1000"};
  Daemon daemon("[daemon]\nworkers = 2\n" + tcp_listener("tcp", port), options);
  std::optional<DaemonStatus> status = daemon_status(daemon.control_socket());
  ASSERT_TRUE(status);
  EXPECT_EQ(serving(*status), 2u) << "ready before the workers serve:\n" << status->json;
  EXPECT_EQ(lines_with(daemon.log(), "ready: 2 worker(s)").size(), 1u) << daemon.log();
  EXPECT_EQ(tcp_exchange(port, "hello\n"), kAck);
}

// Workers that die as they start: the master respawns them (throttled) but
// never says it is ready.
TEST(SupervisorReadiness, WorkersDyingAtStartLeaveTheMasterNotReady) {
  DaemonOptions options;
  options.binary = ACKD_HOOKED_BINARY;
  options.extra_env = {"ACKD_TEST_WORKER_START=abort"};
  options.wait_ready = false;
  Daemon daemon("[daemon]\nworkers = 2\n" + tcp_listener("tcp", free_port()), options);
  daemon.allow_errors();
  ASSERT_TRUE(
      wait_until([&] { return lines_with(daemon.log(), "killed by signal 6").size() >= 3; }, 10s))
      << daemon.log();
  EXPECT_FALSE(daemon.ready_notified()) << "READY=1 while no worker serves";
  EXPECT_TRUE(lines_with(daemon.log(), " ready: ").empty()) << daemon.log();
  auto exit = daemon.stop(5s);
  ASSERT_TRUE(exit) << "the master did not stop within 5s of TERM";
}

// USR2 to a binary whose workers die as they start: the new master never
// says READY=1 to the old one, which keeps serving instead of handing over.
TEST(SupervisorReadiness, UpgradeWaitsForTheNewWorkersToServe) {
  uint16_t port = free_port();
  TempDir bin;
  std::string binary = bin.path() + "/ackd";
  std::filesystem::copy_file(ACKD_BINARY, binary);
  DaemonOptions options;
  options.binary = binary;
  Daemon daemon("[daemon]\nworkers = 1\n" + tcp_listener("tcp", port), options);
  daemon.allow_errors();
  std::filesystem::remove(binary);  // the package's new binary is broken
  std::ofstream(binary) << "#!/bin/sh\nexec env ACKD_TEST_WORKER_START=abort " << ACKD_HOOKED_BINARY
                        << " \"$@\"\n";
  chmod(binary.c_str(), 0755);
  daemon.signal(SIGUSR2);
  bool crashed =
      wait_until([&] { return lines_with(daemon.log(), "killed by signal 6").size() >= 2; }, 10s);
  std::string log = daemon.log();
  if (size_t at = log.find("took over from"); at != std::string::npos) {
    // Before the fix: the new master runs on; stop it (our grandchild).
    size_t pid_at = log.rfind("ackd[", at);
    kill(static_cast<pid_t>(std::atol(log.c_str() + pid_at + 5)), SIGTERM);
  }
  ASSERT_TRUE(crashed) << log;
  EXPECT_TRUE(lines_with(log, "is ready; draining").empty()) << log;
  EXPECT_TRUE(process_exists(daemon.pid()));
  EXPECT_EQ(tcp_exchange(port, "still served\n"), kAck);
  auto exit = daemon.stop(10s);
  ASSERT_TRUE(exit) << "the master did not stop within 10s of TERM";
}

// As root with the default user (nobody), a spool under a directory only
// root can enter (a fresh temporary directory is 0700): the workers could
// never open it, so ackd refuses to start, saying where and as whom.
TEST(SupervisorReadiness, SpoolTheWorkersCannotWriteStopsTheStart) {
  if (geteuid() != 0) GTEST_SKIP() << "the privilege drop is tested only as root";
  TempDir dir;
  ASSERT_EQ(chmod(dir.path().c_str(), 0700), 0);
  std::string config = dir.file("ackd.conf");
  std::ofstream(config) << "[daemon]\nworkers = 1\ncontrol_socket = \"\"\n"
                        << tcp_listener("tcp", free_port()) << "[spool]\npath = \""
                        << dir.file("spool") << "\"\n";
  RunResult r = run({ACKD_BINARY, "--config", config}, "", 10s);
  std::string output = r.out + r.err;
  EXPECT_EQ(r.exit_code, 1) << output;
  std::vector<std::string> reason = lines_with(output, dir.file("spool"));
  ASSERT_EQ(reason.size(), 1u) << output;
  EXPECT_NE(reason[0].find("nobody"), std::string::npos) << reason[0];
  EXPECT_NE(reason[0].find("Permission denied"), std::string::npos) << reason[0];
}

// A reload that moves the spool where the workers cannot write is refused
// before anything changes: the running workers keep serving.
TEST(SupervisorReadiness, ReloadToASpoolTheWorkersCannotWriteIsRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "the privilege drop is tested only as root";
  uint16_t port = free_port();
  TempDir spools;
  ASSERT_EQ(chmod(spools.path().c_str(), 0755), 0);
  std::string config = "[daemon]\nworkers = 1\n" + tcp_listener("tcp", port) + "[spool]\npath = \"";
  Daemon daemon(config + spools.file("spool") + "\"\n");
  daemon.allow_errors();
  TempDir closed;  // 0700: only root enters
  rewrite_config(daemon, config + closed.file("spool") + "\"\n");
  daemon.signal(SIGHUP);
  ASSERT_TRUE(daemon.wait_for_log("reload", 5s));
  ASSERT_TRUE(wait_until(
      [&] {
        std::string log = daemon.log();
        return log.find("reload failed") != std::string::npos ||
               log.find("reloaded: generation 2") != std::string::npos;
      },
      5s));
  std::vector<std::string> failed = lines_with(daemon.log(), "reload failed");
  ASSERT_EQ(failed.size(), 1u) << daemon.log();
  EXPECT_NE(failed[0].find(closed.file("spool")), std::string::npos) << failed[0];
  EXPECT_NE(failed[0].find("nobody"), std::string::npos) << failed[0];
  EXPECT_EQ(tcp_exchange(port, "still stored\n"), kAck);
}

}  // namespace
}  // namespace ackd::test
