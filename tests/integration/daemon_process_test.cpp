// The process model: the master reaps, respawns, stops gracefully, and
// cleans up after itself.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <sys/un.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstring>
#include <fstream>
#include <thread>

#include "tests/support/daemon.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"
#include "tests/support/proc_stat.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;
const std::string kAck = "I got your message";

// The [daemon] keys of a process model: "prefork", "fork" (one dispatcher)
// or "fork-2" (two dispatchers).
std::string mode_keys(const std::string& model) {
  if (model == "fork-2") return "mode = \"fork\"\ndispatchers = 2\n";
  return "mode = \"" + model + "\"\n";
}

std::string config_text(const std::string& model, uint16_t port, const std::string& dir,
                        const std::string& shutdown_timeout = "3s",
                        const std::string& extra_keys = "") {
  return "[daemon]\n" + mode_keys(model) + extra_keys +
         "workers = 2\nlog_messages = false\n"
         "shutdown_timeout = \"" +
         shutdown_timeout +
         "\"\n"
         "[[listener]]\nname = \"tcp\"\nprotocol = \"tcp\"\naddress = \"127.0.0.1:" +
         std::to_string(port) +
         "\"\n"
         "[[listener]]\nname = \"local\"\nprotocol = \"unix\"\npath = \"" +
         dir +
         "/s\"\n"
         "[[listener]]\nname = \"gram\"\nprotocol = \"unixgram\"\npath = \"" +
         dir + "/g\"\n";
}

bool exists(const std::string& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) == 0;
}

std::string tcp_exchange(uint16_t port, const std::string& message) {
  UniqueFd fd = connect_tcp(port);
  send_all(fd.get(), message);
  shutdown(fd.get(), SHUT_WR);
  return read_until_eof(fd.get(), 5s);
}

// Zombies among the master's children and grandchildren.
size_t zombies(pid_t master) {
  size_t count = 0;
  for (const ProcessInfo& child : children_of(master)) {
    if (child.state == 'Z') ++count;
    for (const ProcessInfo& grandchild : children_of(child.pid)) count += grandchild.state == 'Z';
  }
  return count;
}

class ProcessModel : public ::testing::TestWithParam<const char*> {
 protected:
  void start(const std::string& shutdown_timeout = "3s", const std::string& extra_keys = "") {
    port_ = free_port();
    daemon_ = std::make_unique<Daemon>(
        config_text(GetParam(), port_, dir_.path(), shutdown_timeout, extra_keys));
  }
  size_t pool() const { return std::string(GetParam()) == "fork" ? 1 : 2; }  // fork-2: 2

  TempDir dir_;
  uint16_t port_ = 0;
  std::unique_ptr<Daemon> daemon_;
};

TEST_P(ProcessModel, ThousandConnectionsLeaveNoZombie) {
  start();
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(tcp_exchange(port_, "n" + std::to_string(i) + "\n"), kAck + "\n")
        << "connection " << i;
  }
  EXPECT_TRUE(wait_until([&] { return zombies(daemon_->pid()) == 0; }, 5s));
  EXPECT_EQ(daemon_->workers(pool()).size(), pool());
}

TEST_P(ProcessModel, KilledWorkerIsReplaced) {
  start();
  std::vector<pid_t> before = daemon_->workers(pool());
  ASSERT_EQ(before.size(), pool());
  ASSERT_EQ(kill(before[0], SIGKILL), 0);
  EXPECT_TRUE(wait_until(
      [&] {
        auto now = daemon_->workers(pool(), 100ms);
        return now.size() == pool() && std::find(now.begin(), now.end(), before[0]) == now.end();
      },
      5s));
  EXPECT_EQ(tcp_exchange(port_, "after the kill\n"), kAck + "\n");
  EXPECT_TRUE(daemon_->wait_for_log("killed by signal 9"));
}

TEST_P(ProcessModel, TermStopsCleanlyAndRemovesSocketFiles) {
  start();
  ASSERT_TRUE(exists(dir_.path() + "/s"));
  ASSERT_TRUE(exists(dir_.path() + "/g"));
  std::vector<pid_t> workers = daemon_->workers(pool());
  auto started = std::chrono::steady_clock::now();
  std::optional<int> status = daemon_->stop(10s);
  ASSERT_TRUE(status) << "still running 10s after TERM";
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s + 1s);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "status " << *status;
  EXPECT_FALSE(exists(dir_.path() + "/s"));
  EXPECT_FALSE(exists(dir_.path() + "/g"));
  for (pid_t worker : workers) EXPECT_TRUE(wait_until([&] { return !process_exists(worker); }, 2s));
}

TEST_P(ProcessModel, TermLetsTheMessageInFlightFinish) {
  start("3s", "log_level = \"debug\"\n");  // to see the TERM taken
  UniqueFd fd = connect_tcp(port_);
  send_all(fd.get(), "first\nsecond half");
  ASSERT_EQ(read_line(fd.get(), 5s), kAck);
  daemon_->signal(SIGTERM);
  // The process holding the connection (a worker, or a connection process)
  // has taken its TERM: the rest comes while it drains.
  ASSERT_TRUE(daemon_->wait_for_log("asked to stop: draining 1 connections"));
  send_all(fd.get(), " arrives\n");
  EXPECT_EQ(read_until_eof(fd.get(), 5s), kAck + "\n");  // then the server closes
  auto status = daemon_->wait_for(5s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
}

TEST_P(ProcessModel, IdleKeepAliveConnectionDoesNotDelayStop) {
  start("30s");
  UniqueFd fd = connect_tcp(port_);
  send_all(fd.get(), "hello\n");
  ASSERT_EQ(read_line(fd.get(), 5s), kAck);
  auto started = std::chrono::steady_clock::now();
  auto status = daemon_->stop(10s);
  ASSERT_TRUE(status);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

TEST_P(ProcessModel, ShutdownTimeoutBoundsAStuckClient) {
  start("1s");
  UniqueFd fd = connect_tcp(port_);
  send_all(fd.get(), "never finished");
  ASSERT_TRUE(wait_until([&] { return tcp_peer_read_all(fd.get()); }, 5s))
      << "the server did not read the unfinished message";
  auto started = std::chrono::steady_clock::now();
  auto status = daemon_->stop(10s);
  ASSERT_TRUE(status);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s + 1500ms);
  daemon_->allow_errors();
}

// Regression: a TERM that reached a worker between fork() and its own signal
// handlers ran the master's handler and was lost; the worker never stopped.
// Busy threads keep new children waiting for a CPU: that is the window.
TEST_P(ProcessModel, TermRightAfterStartIsNeverLost) {
  std::atomic<bool> done{false};
  std::vector<std::thread> load;
  for (unsigned t = 0; t < 2 * std::thread::hardware_concurrency(); ++t) {
    load.emplace_back([&] {
      while (!done) {
      }
    });
  }
  struct Join {
    std::atomic<bool>& done;
    std::vector<std::thread>& threads;
    ~Join() {
      done = true;
      for (auto& t : threads) t.join();
    }
  } join{done, load};
  for (int i = 0; i < 15; ++i) {
    port_ = free_port();
    TempDir dir;
    Daemon daemon("[daemon]\n" + mode_keys(GetParam()) +
                  "workers = 8\nshutdown_timeout = \"30s\"\n[[listener]]\nname = \"tcp\"\n"
                  "protocol = \"tcp\"\naddress = \"127.0.0.1:" +
                  std::to_string(port_) + "\"\n");
    auto status = daemon.stop(5s);
    ASSERT_TRUE(status) << "iteration " << i << ": still running 5s after TERM";
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  }
}

// Signals only the master acts on (a terminal's HUP, a kill sent to the
// whole process group) leave workers, dispatchers and connection processes
// alone.
TEST_P(ProcessModel, MasterOnlySignalsDoNotKillServingProcesses) {
  start();
  std::vector<pid_t> workers = daemon_->workers(pool());
  ASSERT_EQ(workers.size(), pool());
  UniqueFd held = connect_tcp(port_);
  send_all(held.get(), "first\n");
  ASSERT_EQ(read_line(held.get(), 5s), kAck);
  std::vector<pid_t> targets = workers;
  for (pid_t worker : workers) {
    for (const ProcessInfo& child : children_of(worker)) targets.push_back(child.pid);
  }
  if (std::string(GetParam()) != "prefork") {
    ASSERT_EQ(targets.size(), workers.size() + 1) << "the held connection's process";
  }
  const std::vector<int> signals = {SIGHUP, SIGUSR2, SIGTTIN, SIGTTOU};
  for (pid_t pid : targets) {
    for (int signo : signals) ASSERT_EQ(kill(pid, signo), 0);
  }
  // Each delivered (or ignored, never pending): whatever it does is done.
  EXPECT_TRUE(wait_until(
      [&] {
        for (pid_t pid : targets) {
          for (int signo : signals) {
            if (signal_pending(pid, signo)) return false;
          }
        }
        return true;
      },
      5s))
      << "a signal is still pending";
  send_all(held.get(), "second\n");
  EXPECT_EQ(read_line(held.get(), 5s), kAck) << "the connection's process died";
  std::vector<pid_t> after = daemon_->workers(pool());
  std::sort(workers.begin(), workers.end());
  std::sort(after.begin(), after.end());
  EXPECT_EQ(after, workers);
  EXPECT_EQ(daemon_->log().find("killed by signal"), std::string::npos) << daemon_->log();
}

INSTANTIATE_TEST_SUITE_P(Modes, ProcessModel, ::testing::Values("prefork", "fork", "fork-2"));

TEST(UnixSocketFiles, StaleSocketIsReplaced) {
  TempDir dir;
  std::string path = dir.path() + "/s";
  {  // a socket file left behind by a dead process
    UniqueFd fd(socket(AF_UNIX, SOCK_STREAM, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
    ASSERT_EQ(bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  }
  ASSERT_TRUE(exists(path));
  Daemon daemon("[[listener]]\nname='s'\nprotocol='unix'\npath='" + path + "'\n");
  UniqueFd fd = connect_unix(path);
  send_all(fd.get(), "hi\n");
  EXPECT_EQ(read_line(fd.get(), 5s), kAck);
}

TEST(UnixSocketFiles, LiveDaemonsSocketIsNotStolen) {
  TempDir dir;
  std::string path = dir.path() + "/s";
  std::string config = "[[listener]]\nname='s'\nprotocol='unix'\npath='" + path + "'\n";
  Daemon first(config);
  RunResult second = run({ACKD_BINARY, "--config", first.config_path()}, "", 10s);
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find("bind(unix " + path + "): a running daemon answers there"),
            std::string::npos)
      << second.err;
  UniqueFd fd = connect_unix(path);  // the first daemon still serves
  send_all(fd.get(), "hi\n");
  EXPECT_EQ(read_line(fd.get(), 5s), kAck);
}

TEST(UnixSocketFiles, RegularFileIsNeverReplaced) {
  TempDir dir;
  std::string path = dir.path() + "/s";
  { std::ofstream(path) << "precious"; }
  TempDir conf;
  std::ofstream(conf.file("c")) << "[[listener]]\nname='s'\nprotocol='unix'\npath='" + path + "'\n";
  RunResult result = run({ACKD_BINARY, "--config", conf.file("c")}, "", 10s);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("a file that is not a socket is there"), std::string::npos)
      << result.err;
  EXPECT_TRUE(exists(path));
}

// Fork mode: when the master gives up waiting (shutdown_timeout, or a
// second INT), connection processes die with their dispatcher, even one
// that ignores its parent's death (stopped, or busy with a message), and
// the master is the last to exit.
class ForkModeKill : public ::testing::Test {
 protected:
  void start(const std::string& shutdown_timeout) {
    port_ = free_port();
    daemon_ = std::make_unique<Daemon>(
        "[daemon]\nmode = \"fork\"\nshutdown_timeout = \"" + shutdown_timeout +
        "\"\n[[listener]]\nname = \"tcp\"\n" +
        "protocol = \"tcp\"\naddress = \"127.0.0.1:" + std::to_string(port_) + "\"\n");
    std::vector<pid_t> dispatchers = daemon_->workers(1);
    ASSERT_EQ(dispatchers.size(), 1u);
    client_ = connect_tcp(port_);
    send_all(client_.get(), "first\n");
    ASSERT_EQ(read_line(client_.get(), 5s), kAck);
    std::vector<ProcessInfo> children = children_of(dispatchers[0]);
    ASSERT_EQ(children.size(), 1u);
    connection_ = children[0].pid;
  }
  void expect_connection_process_gone_with_the_master() {
    auto status = daemon_->wait_for(10s);
    ASSERT_TRUE(status) << "the master is still running";
    EXPECT_FALSE(alive(connection_))
        << "connection process " << connection_ << " outlived the master";
  }
  void TearDown() override {
    if (connection_ > 0 && alive(connection_)) kill(connection_, SIGKILL);
  }

  uint16_t port_ = 0;
  std::unique_ptr<Daemon> daemon_;
  UniqueFd client_;
  pid_t connection_ = 0;
};

TEST_F(ForkModeKill, ShutdownTimeoutKillsAStoppedConnectionProcess) {
  start("1s");
  ASSERT_EQ(kill(connection_, SIGSTOP), 0);
  daemon_->signal(SIGTERM);
  expect_connection_process_gone_with_the_master();
  daemon_->allow_errors();
}

TEST_F(ForkModeKill, SecondIntKillsConnectionProcesses) {
  start("30s");
  send_all(client_.get(), "in progress");
  ASSERT_TRUE(wait_until([&] { return tcp_peer_read_all(client_.get()); }, 5s));
  daemon_->signal(SIGINT);
  // The first INT taken (two pending at once would count as one): the second
  // stops now.
  ASSERT_TRUE(daemon_->wait_for_log("stopping gracefully"));
  daemon_->signal(SIGINT);
  expect_connection_process_gone_with_the_master();
}

// A keep-alive client's connection process whose dispatcher was killed
// (kill -9) is reparented to the master: it is in no current worker's group,
// and the master must still stop it (TERM, then KILL at shutdown_timeout or
// a second INT) and outlive it.
class OrphanedConnection : public ForkModeKill {
 protected:
  void orphan(const std::string& shutdown_timeout) {
    start(shutdown_timeout);
    send_all(client_.get(), "in progress");  // unfinished: a drain waits for it
    std::vector<pid_t> dispatchers = daemon_->workers(1);
    ASSERT_EQ(dispatchers.size(), 1u);
    ASSERT_EQ(kill(dispatchers[0], SIGKILL), 0);
    ASSERT_TRUE(daemon_->wait_for_log("killed by signal 9"));
    ASSERT_TRUE(wait_until(
        [&] {
          std::vector<ProcessInfo> children = children_of(daemon_->pid());
          return std::any_of(children.begin(), children.end(),
                             [&](const ProcessInfo& p) { return p.pid == connection_; });
        },
        5s))
        << "connection process " << connection_ << " was not reparented to the master";
    ASSERT_TRUE(alive(connection_));
  }
};

TEST_F(OrphanedConnection, GracefulStopWaitsForIt) {
  orphan("3s");
  daemon_->signal(SIGTERM);
  expect_connection_process_gone_with_the_master();
}

TEST_F(OrphanedConnection, ShutdownTimeoutKillsItStopped) {
  orphan("2s");
  ASSERT_EQ(kill(connection_, SIGSTOP), 0);
  daemon_->signal(SIGTERM);
  expect_connection_process_gone_with_the_master();
  daemon_->allow_errors();
}

TEST_F(OrphanedConnection, SecondIntKillsIt) {
  orphan("30s");
  daemon_->signal(SIGINT);
  ASSERT_TRUE(daemon_->wait_for_log("stopping gracefully"));
  daemon_->signal(SIGINT);
  auto started = std::chrono::steady_clock::now();
  expect_connection_process_gone_with_the_master();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

}  // namespace
}  // namespace ackd::test
