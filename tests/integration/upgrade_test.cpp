// USR2 binary upgrade and socket activation: sockets passed across exec.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"
#include "tests/support/proc_stat.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;
const std::string kAck = "I got your message\n";

pid_t read_pid(const std::string& path) {
  std::ifstream file(path);
  pid_t pid = 0;
  file >> pid;
  return pid;
}

// Connection-per-message exchanges until `stop`; counts failures.
struct Load {
  uint16_t port;
  std::atomic<bool> stop{false};
  std::atomic<int> done{0}, failed{0};
  std::string last_error;
  std::thread thread;

  explicit Load(uint16_t p) : port(p) {
    thread = std::thread([this] {
      auto end = std::chrono::steady_clock::now() + 30s;  // bounded whatever happens
      while (!stop && std::chrono::steady_clock::now() < end) {
        try {
          UniqueFd fd = connect_tcp(port);
          send_all(fd.get(), "m\n");
          shutdown(fd.get(), SHUT_WR);
          if (read_until_eof(fd.get(), 5s) != kAck) throw std::runtime_error("wrong ack");
          ++done;
        } catch (const std::exception& e) {
          last_error = e.what();
          ++failed;
        }
      }
    });
  }
  ~Load() {
    stop = true;
    thread.join();
  }
};

std::string config_with(uint16_t port, const std::string& dir) {
  return "[daemon]\nworkers = 2\nlog_messages = false\npidfile = \"" + dir +
         "/ackd.pid\"\n"
         "[[listener]]\nname = \"tcp\"\nprotocol = \"tcp\"\naddress = \"127.0.0.1:" +
         std::to_string(port) +
         "\"\n[[listener]]\nname = \"local\"\nprotocol = \"unix\"\n"
         "path = \"" +
         dir + "/s\"\n";
}

TEST(Upgrade, Usr2UnderLoadRefusesNoConnection) {
  uint16_t port = free_port();
  TempDir dir;
  Daemon daemon(config_with(port, dir.path()));
  pid_t old_master = daemon.pid();
  ASSERT_EQ(read_pid(dir.path() + "/ackd.pid"), old_master);
  {
    Load load(port);
    ASSERT_TRUE(wait_until([&] { return load.done > 50; }, 10s));
    daemon.signal(SIGUSR2);
    // The old master exits once the new one is ready; the pidfile names the new one.
    auto status = daemon.wait_for(15s);
    ASSERT_TRUE(status) << "the old master did not exit after the upgrade";
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
    int before = load.done;
    ASSERT_TRUE(wait_until([&] { return load.done > before + 50; }, 10s));
    load.stop = true;
    load.thread.join();
    load.thread = std::thread([] {});
    EXPECT_EQ(load.failed, 0) << "last error: " << load.last_error;
  }
  pid_t new_master = read_pid(dir.path() + "/ackd.pid");
  EXPECT_NE(new_master, old_master);
  ASSERT_GT(new_master, 0);
  EXPECT_TRUE(process_exists(new_master));
  EXPECT_TRUE(daemon.wait_for_log("took over from the previous master (pid " +
                                  std::to_string(old_master) + ")"));
  // The unix socket file was left to the new master, and still serves.
  UniqueFd unix_client = connect_unix(dir.path() + "/s");
  send_all(unix_client.get(), "after\n");
  EXPECT_EQ(read_line(unix_client.get(), 5s) + "\n", kAck);
  RunResult status = run({ACKCTL_BINARY, "status", "--socket", daemon.control_socket()});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("master pid " + std::to_string(new_master)), std::string::npos);
  // Stop the new master: it removes the files it took over.
  kill(new_master, SIGTERM);
  EXPECT_TRUE(wait_until([&] { return !process_exists(new_master); }, 15s));
  struct stat st {};
  EXPECT_NE(stat((dir.path() + "/s").c_str(), &st), 0);
  EXPECT_NE(stat((dir.path() + "/ackd.pid").c_str(), &st), 0);
}

TEST(Upgrade, FailedUpgradeKeepsTheOldMasterServing) {
  uint16_t port = free_port();
  TempDir dir;
  Daemon daemon(config_with(port, dir.path()));
  daemon.allow_errors();
  // The new master will read this config and refuse it.
  std::ofstream(daemon.config_path()) << "[[listener]]\nname = 'x'\nprotocol = 'bogus'\n";
  daemon.signal(SIGUSR2);
  EXPECT_TRUE(daemon.wait_for_log("binary upgrade failed: the new master"));
  EXPECT_TRUE(process_exists(daemon.pid()));
  EXPECT_EQ(read_pid(dir.path() + "/ackd.pid"), daemon.pid());
  UniqueFd fd = connect_tcp(port);
  send_all(fd.get(), "still here\n");
  EXPECT_EQ(read_line(fd.get(), 5s) + "\n", kAck);
  // The control socket came back to the old master.
  RunResult status = run({ACKCTL_BINARY, "status", "--socket", daemon.control_socket()});
  EXPECT_EQ(status.exit_code, 0) << status.err;
}

// A new master that fails after it wrote the pidfile (here: a new listener's
// port is taken) removes it as it exits: the old master, still serving,
// writes it again and holds its lock, so a second ackd still refuses to start.
TEST(Upgrade, FailedUpgradeKeepsThePidfile) {
  uint16_t port = free_port(), taken = free_port();
  TempDir dir;
  Daemon daemon(config_with(port, dir.path()));
  daemon.allow_errors();
  UniqueFd holder(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(taken);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(holder.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(holder.get(), 1), 0);
  std::ofstream(daemon.config_path(), std::ios::app)
      << "[[listener]]\nname = \"taken\"\nprotocol = \"tcp\"\naddress = \"127.0.0.1:" << taken
      << "\"\n";
  daemon.signal(SIGUSR2);
  ASSERT_TRUE(daemon.wait_for_log("binary upgrade failed: the new master", 15s));
  EXPECT_TRUE(process_exists(daemon.pid()));
  std::string pidfile = dir.path() + "/ackd.pid";
  EXPECT_TRUE(wait_until([&] { return read_pid(pidfile) == daemon.pid(); }, 2s))
      << "the pidfile names " << read_pid(pidfile);
  UniqueFd locked(open(pidfile.c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(locked) << "no pidfile";
  EXPECT_NE(flock(locked.get(), LOCK_EX | LOCK_NB), 0) << "the pidfile is not locked";
  UniqueFd fd = connect_tcp(port);
  send_all(fd.get(), "still here\n");
  EXPECT_EQ(read_line(fd.get(), 5s) + "\n", kAck);
  locked.reset();
  auto status = daemon.stop(10s);
  ASSERT_TRUE(status);
  struct stat st {};
  EXPECT_NE(stat(pidfile.c_str(), &st), 0) << "the pidfile was left behind";
}

std::set<pid_t> children_of(pid_t parent) {
  std::ifstream children("/proc/" + std::to_string(parent) + "/task/" + std::to_string(parent) +
                         "/children");
  std::set<pid_t> pids;
  for (pid_t child; children >> child;) pids.insert(child);
  return pids;
}

// A stop while the new master is still starting abandons the upgrade: the
// new master must not come up after the old one has stopped (with the
// sockets it was passed, and without the unix socket files the old removed).
TEST(Upgrade, StopDuringAnUpgradeAbandonsIt) {
  uint16_t port = free_port();
  TempDir dir, bin;
  std::string binary = bin.path() + "/ackd";
  std::filesystem::copy_file(ACKD_BINARY, binary);
  DaemonOptions options;
  options.binary = binary;
  Daemon daemon(config_with(port, dir.path()), options);
  daemon.allow_errors();
  std::vector<pid_t> workers = daemon.workers(2);
  // A package upgrade whose new binary is slow to start.
  std::filesystem::remove(binary);
  std::ofstream(binary) << "#!/bin/sh\nsleep 1\nexec " << ACKD_BINARY << " \"$@\"\n";
  chmod(binary.c_str(), 0755);
  daemon.signal(SIGUSR2);
  pid_t new_master = 0;
  ASSERT_TRUE(wait_until(
      [&] {
        for (pid_t child : children_of(daemon.pid())) {
          if (std::find(workers.begin(), workers.end(), child) == workers.end()) new_master = child;
        }
        return new_master != 0;
      },
      5s));
  struct Reaper {  // a new master left running by a failure; its workers follow it
    pid_t pid;
    ~Reaper() {
      if (alive(pid)) kill(pid, SIGTERM);
    }
  } reaper{new_master};
  ASSERT_TRUE(daemon.stop(10s));
  // The stop killed the new master before it could exec ackd (the same pid
  // would have gone on as the new master); the script's sleep holds the
  // passed sockets until it ends (1 s), a new master would hold them for good.
  EXPECT_TRUE(wait_until([&] { return !alive(new_master); }, 5s))
      << "the new master still runs after the stop";
  EXPECT_TRUE(wait_until([&] { return !tcp_port_listening(port); }, 5s))
      << "the new master came up after the stop";
  struct stat st {};
  EXPECT_NE(stat((dir.path() + "/ackd.pid").c_str(), &st), 0) << "a pidfile was left behind";
}

// Regression: a new master killed as its upgrade was abandoned (here by a
// stop with drain_before_stop; also at the upgrade's deadline) still held
// the control socket it had opened when the old master opened its own
// again: the old one found "a running daemon" there and ran on without a
// control socket for good.
TEST(Upgrade, AbandonedUpgradeGivesTheControlSocketBack) {
  uint16_t port = free_port();
  TempDir dir, bin;
  std::string binary = bin.path() + "/ackd";
  std::filesystem::copy_file(ACKD_BINARY, binary);
  DaemonOptions options;
  options.binary = binary;
  Daemon daemon(
      "[daemon]\nworkers = 1\ndrain_before_stop = \"30s\"\n"
      "[[listener]]\nname = \"tcp\"\nprotocol = \"tcp\"\naddress = \"127.0.0.1:" +
          std::to_string(port) + "\"\n",
      options);
  daemon.allow_errors();
  // A new binary whose master comes up, control socket included, but whose
  // workers die as they start: it is never ready.
  std::filesystem::remove(binary);
  std::ofstream(binary) << "#!/bin/sh\nACKD_TEST_WORKER_START=abort exec " << ACKD_HOOKED_BINARY
                        << " \"$@\"\n";
  chmod(binary.c_str(), 0755);
  daemon.signal(SIGUSR2);
  pid_t new_master = 0;
  ASSERT_TRUE(wait_until(
      [&] {
        std::optional<DaemonStatus> status = daemon_status(daemon.control_socket());
        if (status && status->master_pid != daemon.pid()) new_master = status->master_pid;
        return new_master != 0;
      },
      10s))
      << "the new master never answered on the control socket";
  struct Reaper {  // a new master left running by a failure
    pid_t pid;
    ~Reaper() {
      if (alive(pid)) kill(pid, SIGKILL);
    }
  } reaper{new_master};
  daemon.signal(SIGTERM);  // drain_before_stop: the new master is killed, the old one serves on
  ASSERT_TRUE(daemon.wait_for_log("binary upgrade failed: a stop came first"));
  std::optional<DaemonStatus> status;
  EXPECT_TRUE(wait_until(
      [&] {
        status = daemon_status(daemon.control_socket());
        return status && status->master_pid == daemon.pid();
      },
      5s))
      << "the old master has no control socket: " << daemon.log();
  EXPECT_FALSE(alive(new_master));
}

// systemd-socket-activate passes a listening socket by name, as systemd does;
// the listener's settings (defer_accept) apply to it.
TEST(SocketActivation, ListenerTakesThePassedSocketByName) {
  uint16_t port = free_port();
  TempDir dir;
  std::ofstream(dir.file("c")) << "[daemon]\nworkers = 1\ncontrol_socket = \"\"\n"
                                  "[[listener]]\nname = \"tcp\"\nprotocol = \"tcp\"\n"
                                  "defer_accept = \"10s\"\n"
                                  "address = \"127.0.0.1:1\"\n";  // ignored: the socket is passed
  Subprocess activator({"systemd-socket-activate", "--listen=127.0.0.1:" + std::to_string(port),
                        "--fdname=tcp", ACKD_BINARY, "--config", dir.file("c")},
                       {}, "", dir.file("log"));
  ASSERT_TRUE(wait_until([&] { return tcp_port_listening(port); }, 5s));
  UniqueFd fd = connect_tcp(port);  // the first connection starts ackd
  send_all(fd.get(), "activated\n");
  EXPECT_EQ(read_line(fd.get(), 10s) + "\n", kAck);
  UniqueFd silent = connect_tcp(port);
  // Held half-way by the kernel, not accepted (without defer_accept, the
  // handshake completes within connect() on loopback).
  EXPECT_TRUE(wait_until([&] { return tcp_handshake_held(port); }, 5s))
      << "the passed socket did not take defer_accept";
  send_all(silent.get(), "spoke\n");
  EXPECT_EQ(read_line(silent.get(), 5s) + "\n", kAck);
  activator.send_signal(SIGTERM);
  EXPECT_TRUE(activator.wait_for(10s));
  std::ifstream log(dir.file("log"));
  std::string text((std::istreambuf_iterator<char>(log)), {});
  EXPECT_NE(text.find("on the socket passed by the service manager"), std::string::npos) << text;
}

// Runs ackd under systemd-socket-activate with the config dir/c, the socket
// named `fdname`; a first client makes it start. Returns its log once it
// says "cannot start" (or after 10s).
std::string activation_failure_log(uint16_t port, const std::string& fdname, TempDir& dir) {
  Subprocess activator({"systemd-socket-activate", "--listen=127.0.0.1:" + std::to_string(port),
                        "--fdname=" + fdname, ACKD_BINARY, "--config", dir.file("c")},
                       {}, "", dir.file("log"));
  EXPECT_TRUE(wait_until([&] { return tcp_port_listening(port); }, 5s));
  try {
    UniqueFd fd = connect_tcp(port);
  } catch (const std::exception&) {
  }
  std::string text;
  wait_until(
      [&] {
        std::ifstream log(dir.file("log"));
        text.assign((std::istreambuf_iterator<char>(log)), {});
        return text.find("cannot start") != std::string::npos;
      },
      10s);
  return text;
}

TEST(SocketActivation, ProtocolMismatchIsAClearError) {
  uint16_t port = free_port();
  TempDir dir;
  std::ofstream(dir.file("c")) << "[daemon]\ncontrol_socket = \"\"\n[[listener]]\nname = \"x\"\n"
                                  "protocol = \"udp\"\naddress = \"127.0.0.1:1\"\n";
  std::string text = activation_failure_log(port, "x", dir);
  EXPECT_NE(text.find("listener \"x\": the socket passed for it is a stream socket, but "
                      "protocol = \"udp\""),
            std::string::npos)
      << text;
}

TEST(SocketActivation, UnclaimedSocketIsAClearError) {
  uint16_t port = free_port();
  TempDir dir;
  std::ofstream(dir.file("c")) << "[daemon]\ncontrol_socket = \"\"\n[[listener]]\nname = \"tcp\"\n"
                                  "protocol = \"tcp\"\naddress = \"127.0.0.1:" +
                                      std::to_string(free_port()) + "\"\n";
  std::string text = activation_failure_log(port, "other", dir);
  EXPECT_NE(text.find("the socket passed as \"other\" matches no [[listener]] name"),
            std::string::npos)
      << text;
}

// A malformed sd_listen_fds(3) environment makes ackd refuse to start with
// one line naming the variable and its value (never ignored, never guessed).
// sh sets LISTEN_PID to its own pid, which exec passes on to ackd.
TEST(SocketActivation, BadEnvironmentRefusesToStart) {
  struct Case {
    std::string script;  // run before `exec ackd --config FILE`
    std::string error;
  };
  const Case cases[] = {
      {"export LISTEN_PID=12x LISTEN_FDS=1", "LISTEN_PID=\"12x\": not a process id"},
      {"export LISTEN_PID=$$ LISTEN_FDS=abc",
       "LISTEN_FDS=\"abc\": not a number of sockets from 1 to 2147483644"},
      {"export LISTEN_PID=$$ LISTEN_FDS=0",
       "LISTEN_FDS=\"0\": not a number of sockets from 1 to 2147483644"},
      {"exec 3>&- 4>&-; export LISTEN_PID=$$ LISTEN_FDS=2", "LISTEN_FDS=2: fd 3 is not open"},
      {"exec 3</dev/null 4</dev/null; export LISTEN_PID=$$ LISTEN_FDS=2 LISTEN_FDNAMES=tcp",
       "LISTEN_FDNAMES=\"tcp\": 1 name(s) for LISTEN_FDS=2 sockets"},
  };
  TempDir dir;
  std::ofstream(dir.file("c")) << "[daemon]\nworkers = 1\ncontrol_socket = \"\"\n"
                                  "[[listener]]\nname = \"tcp\"\nprotocol = \"tcp\"\n"
                                  "address = \"127.0.0.1:" +
                                      std::to_string(free_port()) + "\"\n";
  for (const Case& c : cases) {
    RunResult result = run({"/bin/sh", "-c", c.script + "; exec \"$0\" \"$@\"", ACKD_BINARY,
                            "--config", dir.file("c")},
                           "", 5s);
    EXPECT_EQ(result.exit_code, 1) << c.script << "\n" << result.err;
    std::vector<std::string> lines;
    std::istringstream err(result.err);
    for (std::string line; std::getline(err, line);) lines.push_back(line);
    EXPECT_EQ(lines.size(), 1u) << c.script << "\n" << result.err;
    if (lines.empty()) continue;
    EXPECT_NE(lines[0].find("cannot start: " + c.error), std::string::npos) << c.script << "\n"
                                                                            << lines[0];
  }
}

// The sockets move to fds 3, 4, ... for the new master without needing fd
// numbers the limit forbids (they went through fd 1024 and beyond, so an
// upgrade failed with LimitNOFILE below 1025).
TEST(Upgrade, Usr2WorksUnderALowFdLimit) {
  uint16_t port = free_port();
  TempDir dir;
  DaemonOptions options;
  options.wrapper = {"prlimit", "--nofile=256"};
  Daemon daemon(config_with(port, dir.path()), options);
  daemon.signal(SIGUSR2);
  auto status = daemon.wait_for(15s);
  ASSERT_TRUE(status) << "the old master did not hand over:\n" << daemon.log();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  pid_t new_master = read_pid(dir.path() + "/ackd.pid");
  ASSERT_GT(new_master, 0);
  ASSERT_NE(new_master, daemon.pid());
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      kill(pid, SIGTERM);
      wait_until([&] { return !process_exists(pid); }, 15s);
    }
  } reaper{new_master};
  UniqueFd fd = connect_tcp(port);
  send_all(fd.get(), "after\n");
  EXPECT_EQ(read_line(fd.get(), 5s) + "\n", kAck);
  UniqueFd unix_client = connect_unix(dir.path() + "/s");
  send_all(unix_client.get(), "after\n");
  EXPECT_EQ(read_line(unix_client.get(), 5s) + "\n", kAck);
}

}  // namespace
}  // namespace ackd::test
