// The control socket never holds the master: clients that trickle their
// request or never read the reply are cut at their deadline while reaping,
// respawning and other clients go on; `ackctl reload` reports the outcome.
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <fstream>
#include <thread>

#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A control client that sends its request one byte every 150 ms (never a
// LF), and connects again each time the master closes it; until stopped.
class Trickler {
 public:
  explicit Trickler(std::string socket) : socket_(std::move(socket)) {
    thread_ = std::thread([this] { run(); });
  }
  ~Trickler() {
    stop_ = true;
    thread_.join();
  }
  int bytes_sent() const { return bytes_; }
  int times_cut() const { return cuts_; }
  // How long the master let one connection trickle, at most.
  std::chrono::milliseconds longest_hold() const { return longest_.load(); }

 private:
  void run() {
    auto end = Clock::now() + 20s;  // bounded whatever happens
    while (!stop_ && Clock::now() < end) {
      UniqueFd fd;
      try {
        fd = connect_unix(socket_);
      } catch (const std::exception&) {
        std::this_thread::sleep_for(50ms);  // a client's retry interval, the socket being away
        continue;
      }
      auto connected = Clock::now();
      while (!stop_ && Clock::now() < end &&
             send(fd.get(), "s", 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1) {
        ++bytes_;
        std::this_thread::sleep_for(150ms);  // the point: a client this slow
      }
      if (stop_) return;
      auto held = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - connected);
      longest_ = std::max(longest_.load(), held);
      ++cuts_;
    }
  }

  std::string socket_;
  std::atomic<bool> stop_{false};
  std::atomic<int> bytes_{0}, cuts_{0};
  std::atomic<std::chrono::milliseconds> longest_{0ms};
  std::thread thread_;
};

// Three clients trickle their requests and one never reads its reply: a
// killed worker is still replaced at once, and another client's status
// answers at once. (With blocking reads, one trickler held the master 37 s.)
TEST(SupervisorControl, SlowClientsDoNotHoldTheMaster) {
  uint16_t port = free_port();
  Daemon daemon("[daemon]\nworkers = 2\n" + tcp_listener("tcp", port));
  std::vector<pid_t> workers = daemon.workers(2);
  ASSERT_EQ(workers.size(), 2u);
  UniqueFd never_reads = connect_unix(daemon.control_socket());
  send_all(never_reads.get(), "status json\n");
  std::vector<std::unique_ptr<Trickler>> tricklers;
  for (int i = 0; i < 3; ++i) {
    tricklers.push_back(std::make_unique<Trickler>(daemon.control_socket()));
  }
  ASSERT_TRUE(wait_until(
      [&] {
        return std::all_of(tricklers.begin(), tricklers.end(),
                           [](auto& t) { return t->bytes_sent() >= 2; });
      },
      5s));

  ASSERT_EQ(kill(workers[0], SIGKILL), 0);
  auto killed = Clock::now();
  EXPECT_TRUE(wait_until(
      [&] {
        std::vector<pid_t> now = daemon.workers(2, 50ms);
        return now.size() == 2 && std::find(now.begin(), now.end(), workers[0]) == now.end();
      },
      3s))
      << "the killed worker was not replaced within 3 s";
  EXPECT_LT(Clock::now() - killed, 3s);

  auto asked = Clock::now();
  RunResult status = ackctl({"status", "--timeout", "3s", "--socket", daemon.control_socket()});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_LT(Clock::now() - asked, 2s) << "status waited behind the slow clients";
  EXPECT_NE(status.out.find("master pid " + std::to_string(daemon.pid())), std::string::npos)
      << status.out;

  // Each trickling connection was cut at its deadline (1 s), not held.
  EXPECT_TRUE(wait_until([&] { return tricklers[0]->times_cut() >= 2; }, 5s));
  for (auto& trickler : tricklers) EXPECT_LT(trickler->longest_hold(), 2500ms);
  EXPECT_EQ(tcp_exchange(port, "still serving\n"), "I got your message\n");
}

// `ackctl reload` returns once the reload is done, with the new generation.
// A control socket that cannot be made at the start (a file stands where
// its directory should be) is made once it can be: the master tries again,
// while serving.
TEST(SupervisorControl, AControlSocketThatCouldNotBeMadeIsTriedAgain) {
  TempDir dir;
  std::string socket = dir.file("later/control.sock");
  std::ofstream(dir.file("later")) << "in the way\n";
  uint16_t port = free_port();
  Daemon daemon("[daemon]\nworkers = 1\ncontrol_socket = \"" + socket + "\"\n" +
                tcp_listener("tcp", port));
  ASSERT_TRUE(daemon.wait_for_log("control socket: "));
  EXPECT_FALSE(daemon_status(socket));
  EXPECT_EQ(tcp_exchange(port, "hi\n"), "I got your message\n");
  ASSERT_EQ(unlink(dir.file("later").c_str()), 0);
  EXPECT_TRUE(wait_until([&] { return daemon_status(socket).has_value(); }, 10s)) << daemon.log();
  EXPECT_TRUE(daemon.wait_for_log("control socket: listening at " + socket));
}

TEST(SupervisorControl, ReloadReportsTheNewGeneration) {
  uint16_t port = free_port();
  std::string config = "[daemon]\nworkers = 1\n" + tcp_listener("tcp", port);
  Daemon daemon(config);
  rewrite_config(daemon, config + tcp_listener("more", free_port()));
  RunResult reload = ackctl({"reload", "--socket", daemon.control_socket()});
  EXPECT_EQ(reload.exit_code, 0) << reload.err;
  EXPECT_EQ(reload.out, "reloaded: generation 2, 1 worker(s)\n");
  EXPECT_EQ(reload.err, "");
  // Done, not just requested: the status says so at once.
  auto status = daemon_status(daemon.control_socket());
  ASSERT_TRUE(status);
  EXPECT_EQ(status->generation, 2u) << status->json;
}

// An invalid config: `ackctl reload` fails with the config's problems, and
// the daemon keeps the running generation.
TEST(SupervisorControl, ReloadReportsWhyItFailed) {
  uint16_t port = free_port();
  std::string good = "[daemon]\nworkers = 1\n" + tcp_listener("tcp", port);
  Daemon daemon(good);
  daemon.allow_errors();
  std::string bad = good;
  bad.replace(bad.find("protocol = \"tcp\""), 16, "protocol = \"tcpx\"");
  rewrite_config(daemon, bad);
  RunResult reload = ackctl({"reload", "--socket", daemon.control_socket()});
  EXPECT_EQ(reload.exit_code, 1) << reload.out;
  EXPECT_EQ(reload.out, "");
  std::vector<std::string> lines = lines_with(reload.err, "");
  ASSERT_GE(lines.size(), 2u) << reload.err;
  EXPECT_EQ(lines[0], "ackctl: reload failed, still running generation 1:");
  EXPECT_EQ(lines[1].rfind("  " + daemon.config_path() + ":", 0), 0u) << lines[1];
  EXPECT_NE(lines[1].find("listener[0].protocol: "), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("tcpx"), std::string::npos) << lines[1];
  auto status = daemon_status(daemon.control_socket());
  ASSERT_TRUE(status);
  EXPECT_EQ(status->generation, 1u);
  // Fixed: the next reload succeeds.
  rewrite_config(daemon, good);
  reload = ackctl({"reload", "--socket", daemon.control_socket()});
  EXPECT_EQ(reload.exit_code, 0) << reload.err;
  EXPECT_EQ(reload.out, "reloaded: generation 2, 1 worker(s)\n");
}

// The control socket's group is changed only if the file was not born with
// it: under the packaged unit (setgid /run/ackd) the master may chown
// nothing, and the control socket was missing (ackctl status and reload
// refused). Here chown fails as it does there, and the file is born with
// `group`, the master's own group.
TEST(SupervisorControl, SocketNeedsNoChownWhenBornWithItsGroup) {
  group* own = getgrgid(getegid());
  ASSERT_NE(own, nullptr);
  DaemonOptions options;
  options.wrapper = {NO_CHOWN_BINARY};
  Daemon daemon("[daemon]\nworkers = 1\ngroup = \"" + std::string(own->gr_name) + "\"\n" +
                    tcp_listener("tcp", free_port()),
                options);
  RunResult status = ackctl({"status", "--socket", daemon.control_socket()});
  EXPECT_EQ(status.exit_code, 0) << status.err << daemon.log();
  struct stat st {};
  ASSERT_EQ(lstat(daemon.control_socket().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0660u);
  EXPECT_EQ(st.st_gid, getegid());
}

// `ackctl status` as a user other than root, with the given primary group.
RunResult status_as(gid_t gid, const std::string& socket) {
  return run({"setpriv", "--reuid=54321", "--regid=" + std::to_string(gid), "--clear-groups",
              ACKCTL_BINARY, "status", "--socket", socket});
}

// The control socket checks its caller (SO_PEERCRED, SO_PEERGROUPS): root
// and members of [daemon] group only, whatever the file's mode.
TEST(SupervisorControl, OnlyRootAndTheGroupMayUseIt) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root, to ask as another user";
  group* nogroup = getgrnam("nogroup");
  ASSERT_NE(nogroup, nullptr);
  Daemon daemon("[daemon]\nworkers = 1\ngroup = \"nogroup\"\n" + tcp_listener("tcp", free_port()));
  chmod(daemon.dir().path().c_str(), 0755);
  chmod(daemon.control_socket().c_str(), 0666);  // the file lets everyone in
  RunResult stranger = status_as(54321, daemon.control_socket());
  EXPECT_EQ(stranger.exit_code, 6) << stranger.out << stranger.err;
  EXPECT_NE(stranger.err.find("permission denied: uid 54321"), std::string::npos) << stranger.err;
  for (const char* request : {"reload", "stop"}) {
    RunResult r = run({"setpriv", "--reuid=54321", "--regid=54321", "--clear-groups", ACKCTL_BINARY,
                       request, "--socket", daemon.control_socket()});
    EXPECT_EQ(r.exit_code, 6) << request << ": " << r.err;
  }
  EXPECT_TRUE(process_exists(daemon.pid())) << "a stranger stopped the daemon";
  RunResult member = status_as(nogroup->gr_gid, daemon.control_socket());
  EXPECT_EQ(member.exit_code, 0) << member.err;
  EXPECT_TRUE(daemon.wait_for_log("control socket: refused a caller: permission denied"));
}

}  // namespace
}  // namespace ackd::test
