// The master keeps its pool healthy: TTIN/TTOU resize it, a hung worker is
// killed and replaced, a crash loop is throttled, workers are recycled after
// max_requests, workers die with the master, and TERM under load loses no
// acknowledged message.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <csignal>
#include <set>
#include <thread>

#include "common/duration.h"
#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"
#include "tests/support/proc_stat.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
const std::string kAck = "I got your message\n";

// Live (non-zombie) children of the master.
std::vector<pid_t> live_children(pid_t master) {
  std::vector<pid_t> pids;
  for (const ProcessInfo& child : children_of(master)) {
    if (child.state != 'Z') pids.push_back(child.pid);
  }
  std::sort(pids.begin(), pids.end());
  return pids;
}

// Workers of the current generation that status shows serving.
size_t serving_in_current_generation(const DaemonStatus& status) {
  return std::count_if(status.workers.begin(), status.workers.end(), [&](const WorkerStatus& w) {
    return w.generation == status.generation && w.state == "serving";
  });
}

TEST(SupervisorHealth, TtinAndTtouResizeThePool) {
  uint16_t port = free_port();
  Daemon daemon("[daemon]\nworkers = 2\n" + tcp_listener("tcp", port));
  ASSERT_EQ(daemon.workers(2).size(), 2u);
  for (size_t expected : {3u, 4u}) {  // one signal at a time: they would coalesce
    daemon.signal(SIGTTIN);
    EXPECT_TRUE(wait_until([&] { return live_children(daemon.pid()).size() == expected; }, 5s))
        << "after TTIN: " << live_children(daemon.pid()).size() << " workers, not " << expected;
  }
  std::optional<DaemonStatus> status;
  EXPECT_TRUE(wait_until(
      [&] {
        status = daemon_status(daemon.control_socket());
        return status && serving_in_current_generation(*status) == 4;
      },
      5s))
      << (status ? status->json : "no status");
  std::vector<ProcessInfo> children = children_of(daemon.pid());
  EXPECT_EQ(children.size(), 4u);
  for (const ProcessInfo& child : children) EXPECT_NE(child.state, 'Z') << child.pid;

  for (size_t expected : {3u, 2u, 1u}) {
    daemon.signal(SIGTTOU);
    // Retired workers drain and are reaped: no zombie left behind either.
    EXPECT_TRUE(wait_until([&] { return children_of(daemon.pid()).size() == expected; }, 5s))
        << "after TTOU: " << children_of(daemon.pid()).size() << " children, not " << expected;
  }
  std::vector<pid_t> last = live_children(daemon.pid());
  ASSERT_EQ(last.size(), 1u);
  // Never below one worker: the master has taken this TTOU (and would have
  // logged "pool size now 0" and sent the last worker its TERM by now).
  ASSERT_TRUE(daemon.signal_and_settle(SIGTTOU));
  EXPECT_EQ(live_children(daemon.pid()), last);
  EXPECT_EQ(lines_with(daemon.log(), "pool size now").size(), 5u) << daemon.log();
  EXPECT_EQ(tcp_exchange(port, "one left\n"), kAck);
}

// A stopped worker sends no heartbeat: it is killed within worker_timeout
// (plus the master's one-second tick) and replaced; service goes on.
TEST(SupervisorHealth, StoppedWorkerIsKilledAndReplaced) {
  uint16_t port = free_port();
  Daemon daemon("[daemon]\nworkers = 2\nworker_timeout = \"1s\"\n" + tcp_listener("tcp", port));
  daemon.allow_errors();  // the kill is logged at error level
  std::vector<pid_t> before = daemon.workers(2);
  ASSERT_EQ(before.size(), 2u);
  pid_t stopped = before[0];
  ASSERT_EQ(kill(stopped, SIGSTOP), 0);
  auto started = Clock::now();
  // A client arriving now may be handed to the stopped worker's wakeup, but
  // must still be served (at the latest by the replacement).
  std::string reply = tcp_exchange(port, "during\n", 10s);
  bool replaced = wait_until(
      [&] {
        std::vector<pid_t> now = live_children(daemon.pid());
        return now.size() == 2 && std::find(now.begin(), now.end(), stopped) == now.end();
      },
      10s, 20ms);
  auto took = Clock::now() - started;
  if (!replaced) kill(stopped, SIGKILL);
  ASSERT_TRUE(replaced) << "the stopped worker was not replaced within 10s";
  EXPECT_LT(took, 3s) << "replaced only after "
                      << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                      << "ms";
  EXPECT_EQ(reply, kAck);
  std::vector<std::string> lines = lines_with(daemon.log(), "made no progress");
  ASSERT_EQ(lines.size(), 1u) << daemon.log();
  EXPECT_NE(lines[0].find("pid " + std::to_string(stopped)), std::string::npos) << lines[0];
  EXPECT_EQ(tcp_exchange(port, "after\n"), kAck);
}

TEST(SupervisorHealth, WorkersExitWhenTheMasterIsKilled) {
  uint16_t port = free_port();
  Daemon daemon("[daemon]\nworkers = 3\n" + tcp_listener("tcp", port));
  std::vector<pid_t> workers = daemon.workers(3);
  ASSERT_EQ(workers.size(), 3u);
  auto deadline = Clock::now() + 2s;
  daemon.signal(SIGKILL);
  ASSERT_TRUE(daemon.wait_for(5s));
  for (pid_t worker : workers) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    EXPECT_TRUE(wait_until([&] { return !alive(worker); }, left))
        << "worker " << worker << " still alive 2s after the master's death";
  }
  for (pid_t worker : workers) {
    if (alive(worker)) kill(worker, SIGKILL);
  }
}

// "next respawn in 1s600ms" -> 1600ms.
std::vector<int64_t> respawn_delays(const std::string& log) {
  std::vector<int64_t> delays;
  const std::string marker = "next respawn in ";
  for (const std::string& line : lines_with(log, marker)) {
    std::string text = line.substr(line.find(marker) + marker.size());
    delays.push_back(parse_duration(text.substr(0, text.find_first_of(" ,;)"))).count());
  }
  return delays;
}

// Workers that abort as they start: the master throttles, never spins, never
// exits, still answers status, and stops cleanly (it is never ready: see
// supervisor_readiness_test.cpp).
TEST(SupervisorHealth, CrashLoopIsThrottled) {
  uint16_t port = free_port();
  DaemonOptions options;
  options.binary = ACKD_HOOKED_BINARY;
  options.extra_env = {"ACKD_TEST_WORKER_START=abort"};
  options.wait_ready = false;
  Daemon daemon("[daemon]\nworkers = 1\n" + tcp_listener("tcp", port), options);
  daemon.allow_errors();
  std::this_thread::sleep_for(3s);  // the point: crashes are counted over a fixed window
  std::string log = daemon.log();
  size_t crashes = lines_with(log, "killed by signal 6").size();
  EXPECT_GE(crashes, 3u) << log;
  EXPECT_LT(crashes, 12u) << "respawns are not throttled:\n" << log;
  EXPECT_EQ(lines_with(log, "throttling respawns").size(), 1u) << log;
  std::vector<int64_t> delays = respawn_delays(log);
  ASSERT_GE(delays.size(), 2u) << log;
  for (size_t i = 1; i < delays.size(); ++i) {
    EXPECT_GT(delays[i], delays[i - 1]) << "the backoff does not grow:\n" << log;
  }
  RunResult status = ackctl({"status", "--socket", daemon.control_socket()});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("master pid " + std::to_string(daemon.pid())), std::string::npos)
      << status.out;
  auto exit = daemon.stop(5s);
  ASSERT_TRUE(exit) << "the master did not stop within 5s of TERM";
  EXPECT_TRUE(WIFEXITED(*exit) && WEXITSTATUS(*exit) == 0) << "status " << *exit;
}

TEST(SupervisorHealth, WorkerIsRecycledAfterMaxRequests) {
  uint16_t port = free_port();
  Daemon daemon("[daemon]\nworkers = 1\nmax_requests = 5\nmax_requests_jitter = 0\n" +
                tcp_listener("tcp", port, "messages_per_connection = 1\n"));
  std::set<pid_t> seen;
  int failed = 0;
  for (int i = 0; i < 12; ++i) {
    try {
      std::string reply = tcp_exchange(port, "m" + std::to_string(i) + "\n");
      if (reply != kAck) {
        ++failed;
        ADD_FAILURE() << "exchange " << i << ": reply \"" << reply << "\"";
      }
    } catch (const std::exception& e) {
      ++failed;
      ADD_FAILURE() << "exchange " << i << ": " << e.what();
    }
    for (pid_t pid : live_children(daemon.pid())) seen.insert(pid);
  }
  EXPECT_EQ(failed, 0);
  EXPECT_GE(seen.size(), 3u) << "the worker was not replaced twice";
  EXPECT_TRUE(daemon.wait_for_log("recycling after 5 connections"));
  EXPECT_GE(lines_with(daemon.log(), "recycling after").size(), 2u) << daemon.log();
  // Recycled workers exit cleanly: no crash, no throttling.
  EXPECT_EQ(daemon.log().find("dying young"), std::string::npos);
  EXPECT_EQ(daemon.log().find("throttling"), std::string::npos);
}

// Keep-alive clients send message after message; TERM arrives. Every ack a
// client got is exact and its message is recorded; the daemon exits 0 in time.
TEST(SupervisorHealth, TermUnderKeepAliveLoadLosesNoAckedMessage) {
  uint16_t port = free_port();
  Daemon daemon("[daemon]\nworkers = 2\nshutdown_timeout = \"3s\"\n" + tcp_listener("tcp", port));
  constexpr int kClients = 4;
  std::atomic<bool> stop{false};
  std::vector<std::vector<std::string>> acked(kClients);
  std::array<std::atomic<int>, kClients> ack_counts{};  // acked[c].size(), for this thread
  std::vector<std::string> problems(kClients);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      try {
        UniqueFd fd = connect_tcp(port);
        auto end = Clock::now() + 20s;
        for (int i = 0; !stop && Clock::now() < end; ++i) {
          std::string id = "c" + std::to_string(c) + "-" + std::to_string(i);
          send_all(fd.get(), id + "\n");
          std::string reply = read_line(fd.get(), 5s);
          if (reply.empty()) break;  // closed by the stop
          if (reply + "\n" != kAck) {
            problems[c] = id + ": reply \"" + reply + "\"";
            break;
          }
          acked[c].push_back(id);
          ++ack_counts[c];
        }
      } catch (const std::exception& e) {
        // A reset or EPIPE after the server closed the connection is fine;
        // what was acked before is what is checked.
      }
    });
  }
  // The TERM comes in the middle of the load: each client in its stride.
  EXPECT_TRUE(wait_until(
      [&] {
        return std::all_of(ack_counts.begin(), ack_counts.end(),
                           [](const std::atomic<int>& n) { return n >= 50; });
      },
      10s))
      << "the clients did not get going";
  auto started = Clock::now();
  daemon.signal(SIGTERM);
  auto exit = daemon.wait_for(10s);
  auto took = Clock::now() - started;
  stop = true;
  for (auto& thread : clients) thread.join();

  ASSERT_TRUE(exit) << "still running 10s after TERM";
  EXPECT_TRUE(WIFEXITED(*exit) && WEXITSTATUS(*exit) == 0) << "status " << *exit;
  EXPECT_LT(took, 3s + 1s);
  std::set<std::string> recorded;
  const std::string marker = "text=\"";
  for (const std::string& line : lines_with(daemon.log(), marker)) {
    size_t begin = line.find(marker) + marker.size();
    recorded.insert(line.substr(begin, line.find('"', begin) - begin));
  }
  size_t total = 0;
  for (int c = 0; c < kClients; ++c) {
    EXPECT_EQ(problems[c], "");
    EXPECT_GT(acked[c].size(), 0u) << "client " << c << " got no ack at all";
    total += acked[c].size();
    for (const std::string& id : acked[c]) {
      ASSERT_TRUE(recorded.count(id)) << id << " was acked but not recorded";
    }
  }
  EXPECT_GT(total, 100u);
}

}  // namespace
}  // namespace ackd::test
