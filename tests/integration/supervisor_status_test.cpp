// What operators see and touch: `ackctl status` (text and JSON), reload and
// stop through the control socket, the pidfile, and USR1 log reopening.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;
const std::string kAck = "I got your message\n";

std::string read_text(const std::string& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// Where the descriptors of `pid` point.
std::vector<std::string> open_files(pid_t pid) {
  std::vector<std::string> targets;
  std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    std::filesystem::path target = std::filesystem::read_symlink(entry.path(), error);
    if (!error) targets.push_back(target.string());
  }
  return targets;
}

bool exists(const std::string& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) == 0;
}

TEST(SupervisorStatus, ShowsMasterListenersWorkersAndReplies) {
  TempDir dir;
  uint16_t port = free_port();
  std::string path = dir.file("s");
  Daemon daemon("[daemon]\nworkers = 2\n" + tcp_listener("tcp", port) +
                unix_listener("local", path));
  std::vector<pid_t> workers = daemon.workers(2);
  ASSERT_EQ(workers.size(), 2u);
  struct stat st {};
  ASSERT_EQ(stat(daemon.control_socket().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "the control socket is open to others";
  for (int i = 0; i < 7; ++i) ASSERT_EQ(tcp_exchange(port, "t" + std::to_string(i) + "\n"), kAck);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(unix_exchange(path, "u" + std::to_string(i) + "\n"), kAck);

  // JSON: the replies show once the workers have published their heartbeat
  // (an idle worker says "serving" after its first loop turn, 250 ms).
  std::optional<DaemonStatus> status;
  EXPECT_TRUE(wait_until(
      [&] {
        status = daemon_status(daemon.control_socket());
        return status && status->total_replies >= 10 &&
               std::all_of(status->workers.begin(), status->workers.end(),
                           [](const WorkerStatus& w) { return w.state == "serving"; });
      },
      1s, 50ms));
  ASSERT_TRUE(status);
  const std::string& json = status->json;
  EXPECT_EQ(status->total_replies, 10u) << json;
  EXPECT_NE(json.find("\"master_pid\":" + std::to_string(daemon.pid()) + ","), std::string::npos)
      << json;
  EXPECT_NE(json.find("{\"name\":\"tcp\",\"protocol\":\"tcp\",\"address\":\"127.0.0.1:" +
                      std::to_string(port) + "\"}"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("{\"name\":\"local\",\"protocol\":\"unix\",\"address\":\"" + path + "\"}"),
            std::string::npos)
      << json;
  ASSERT_EQ(status->workers.size(), 2u) << json;
  uint64_t replies = 0;
  for (const WorkerStatus& worker : status->workers) {
    EXPECT_NE(std::find(workers.begin(), workers.end(), worker.pid), workers.end()) << worker.pid;
    EXPECT_EQ(worker.state, "serving");
    EXPECT_EQ(worker.generation, 1u);
    replies += worker.replies;
  }
  EXPECT_EQ(replies, 10u);
  // The old name, kept for JSON readers until 0.3.
  EXPECT_EQ(json_number(json, "acks", json.find("\"totals\":")), 10u) << json;
  EXPECT_EQ(json.back(), '\n');

  // Text: the same facts for people.
  RunResult text = ackctl({"status", "--socket", daemon.control_socket()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("master pid " + std::to_string(daemon.pid()) + ","), std::string::npos)
      << text.out;
  EXPECT_EQ(lines_with(text.out, "127.0.0.1:" + std::to_string(port)).size(), 1u) << text.out;
  EXPECT_EQ(lines_with(text.out, path).size(), 1u) << text.out;
  for (pid_t worker : workers) {
    std::vector<std::string> rows = lines_with(text.out, " " + std::to_string(worker) + " ");
    EXPECT_EQ(rows.size(), 1u) << "no row for worker " << worker << ":\n" << text.out;
  }

  // reload and stop through the control socket.
  RunResult reload = ackctl({"reload", "--socket", daemon.control_socket()});
  EXPECT_EQ(reload.exit_code, 0) << reload.err;
  EXPECT_TRUE(wait_until(
      [&] {
        status = daemon_status(daemon.control_socket());
        return status && status->generation == 2;
      },
      5s))
      << (status ? status->json : "no status");
  RunResult stop = ackctl({"stop", "--socket", daemon.control_socket()});
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  auto exit = daemon.wait_for(10s);
  ASSERT_TRUE(exit) << "still running 10s after ackctl stop";
  EXPECT_TRUE(WIFEXITED(*exit) && WEXITSTATUS(*exit) == 0) << "status " << *exit;
  EXPECT_FALSE(exists(daemon.control_socket())) << "the control socket was left behind";
}

TEST(SupervisorStatus, PidfileIsWrittenLockedAndRemoved) {
  TempDir dir;
  std::string pidfile = dir.file("ackd.pid");
  uint16_t port = free_port();
  Daemon daemon("[daemon]\nworkers = 1\npidfile = \"" + pidfile + "\"\n" +
                tcp_listener("tcp", port));
  EXPECT_EQ(read_text(pidfile), std::to_string(daemon.pid()) + "\n");

  RunResult second = run({ACKD_BINARY, "--config", daemon.config_path()}, "", 10s);
  EXPECT_NE(second.exit_code, 0);
  EXPECT_FALSE(second.timed_out);
  std::vector<std::string> lines = lines_with(second.err, "already running");
  ASSERT_EQ(lines.size(), 1u) << second.err;
  EXPECT_EQ(std::count(second.err.begin(), second.err.end(), '\n'), 1) << "one line:\n"
                                                                       << second.err;
  EXPECT_NE(lines[0].find("pid " + std::to_string(daemon.pid())), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find(pidfile), std::string::npos) << lines[0];
  // The loser changed nothing.
  EXPECT_EQ(read_text(pidfile), std::to_string(daemon.pid()) + "\n");
  EXPECT_EQ(tcp_exchange(port, "still mine\n"), kAck);

  auto exit = daemon.stop(10s);
  ASSERT_TRUE(exit);
  EXPECT_TRUE(WIFEXITED(*exit) && WEXITSTATUS(*exit) == 0);
  EXPECT_FALSE(exists(pidfile)) << "the pidfile was left behind";
}

// True if `pid` has the log file open once, and the rotated one not at all.
bool holds_new_log_only(pid_t pid, const std::string& log_file, const std::string& rotated) {
  std::vector<std::string> open = open_files(pid);
  return std::count(open.begin(), open.end(), log_file) == 1 &&
         std::count(open.begin(), open.end(), rotated) == 0;
}

// logrotate: the file is renamed away, USR1 makes the master and the workers
// open a new one (the same workers: none of them restarts for it).
TEST(SupervisorStatus, Usr1ReopensTheLogFiles) {
  TempDir logs;
  // As /var/log/ackd: others may enter (workers may run as another user).
  ASSERT_EQ(chmod(logs.path().c_str(), 0755), 0);
  std::string log_file = logs.file("ackd.log"), rotated = logs.file("ackd.log.1");
  uint16_t port = free_port();
  Daemon daemon("[daemon]\nworkers = 2\nlog_file = \"" + log_file + "\"\n" +
                tcp_listener("tcp", port));
  std::vector<pid_t> workers = daemon.workers(2);
  ASSERT_EQ(workers.size(), 2u);
  ASSERT_EQ(tcp_exchange(port, "before rotation\n"), kAck);
  ASSERT_TRUE(wait_until(
      [&] { return read_text(log_file).find("before rotation") != std::string::npos; }, 5s));
  ASSERT_EQ(std::rename(log_file.c_str(), rotated.c_str()), 0);
  daemon.signal(SIGUSR1);
  EXPECT_TRUE(wait_until(
      [&] { return read_text(log_file).find("log files reopened") != std::string::npos; }, 5s))
      << "the master did not reopen its log file";
  // Every worker now holds the new file, and none the rotated one.
  for (pid_t worker : workers) {
    EXPECT_TRUE(wait_until([&] { return holds_new_log_only(worker, log_file, rotated); }, 3s))
        << "worker " << worker << " did not reopen the log file";
  }
  ASSERT_EQ(tcp_exchange(port, "after-rotation\n"), kAck);
  EXPECT_TRUE(wait_until(
      [&] { return read_text(log_file).find("after-rotation") != std::string::npos; }, 3s))
      << "the message is not in the new log file";
  EXPECT_EQ(read_text(rotated).find("after-rotation"), std::string::npos);
  EXPECT_EQ(daemon.workers(2), workers) << "workers restarted instead of reopening";
  for (const std::string& file : {log_file, rotated}) {
    for (const std::string& line : lines_with(read_text(file), " error: ")) ADD_FAILURE() << line;
    for (const std::string& line : lines_with(read_text(file), " critical: "))
      ADD_FAILURE() << line;
  }
  if (HasFailure()) {
    std::cerr << "--- " << rotated << ":\n"
              << read_text(rotated) << "--- " << log_file << ":\n"
              << read_text(log_file);
  }
}

// Fork mode: a connection held across the rotation logs to the new file
// too (the dispatcher passes USR1 on to its connection processes).
TEST(SupervisorStatus, Usr1ReachesForkModeConnectionProcesses) {
  TempDir logs;
  ASSERT_EQ(chmod(logs.path().c_str(), 0755), 0);
  std::string log_file = logs.file("ackd.log"), rotated = logs.file("ackd.log.1");
  uint16_t port = free_port();
  Daemon daemon("[daemon]\nmode = \"fork\"\nlog_file = \"" + log_file + "\"\n" +
                tcp_listener("tcp", port));
  std::vector<pid_t> dispatchers = daemon.workers(1);
  ASSERT_EQ(dispatchers.size(), 1u);
  UniqueFd held = connect_tcp(port);
  send_all(held.get(), "before rotation\n");
  ASSERT_EQ(read_line(held.get(), 5s) + "\n", kAck);
  std::vector<ProcessInfo> children = children_of(dispatchers[0]);
  ASSERT_EQ(children.size(), 1u);
  pid_t connection = children[0].pid;
  ASSERT_EQ(std::rename(log_file.c_str(), rotated.c_str()), 0);
  daemon.signal(SIGUSR1);
  EXPECT_TRUE(wait_until([&] { return holds_new_log_only(connection, log_file, rotated); }, 3s))
      << "connection process " << connection << " did not reopen the log file";
  send_all(held.get(), "after-rotation\n");
  ASSERT_EQ(read_line(held.get(), 5s) + "\n", kAck);
  EXPECT_TRUE(wait_until(
      [&] { return read_text(log_file).find("after-rotation") != std::string::npos; }, 3s))
      << "the message is not in the new log file";
  EXPECT_EQ(read_text(rotated).find("after-rotation"), std::string::npos);
  if (HasFailure()) {
    std::cerr << "--- " << rotated << ":\n"
              << read_text(rotated) << "--- " << log_file << ":\n"
              << read_text(log_file);
  }
}

}  // namespace
}  // namespace ackd::test
