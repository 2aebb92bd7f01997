// Rolling changes of three ackd behind a real HAProxy (send-proxy-v2,
// checks, retries and redispatch), under a bounded connection-per-message
// load from `ackctl bench` through HAProxy, each with zero failed
// exchanges: a binary upgrade (USR2) of one instance after the other (each
// new master is stopped at the end by the pid its pidfile names), and a
// restart of one after the other that drains first (drain_before_stop,
// the haproxy-agent service telling HAProxy's agent-check). And a kill -9
// of one instance costs at most the exchanges in flight at the kill.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/haproxy.h"
#include "tests/support/ports.h"
#include "tests/support/proc_stat.h"
#include "tests/support/process.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;

pid_t read_pid(const std::string& path) {
  std::ifstream file(path);
  pid_t pid = 0;
  file >> pid;
  return pid;
}

int64_t json_number(const std::string& json, const std::string& field) {
  std::smatch match;
  if (!std::regex_search(json, match, std::regex("\"" + field + "\":([0-9]+)"))) return -1;
  return std::stoll(match[1]);
}

// Short bench runs, one after the other, until stopped: acks and failures summed.
struct BenchLoad {
  explicit BenchLoad(uint16_t port) {
    thread = std::thread([this, port] {
      for (int run_count = 0; !stop && run_count < 100; ++run_count) {
        RunResult r = run({ACKCTL_BINARY, "bench", "127.0.0.1", std::to_string(port), "--mode",
                           "conn", "--json", "--duration", "300ms", "-c", "2", "-t", "1"},
                          "", 20s);
        int64_t run_acks = json_number(r.out, "acks"), run_errors = json_number(r.out, "errors");
        if (r.exit_code != 0 || run_acks < 0 || run_errors != 0) {
          ++failed_runs;
          last_output = r.out + r.err;
        }
        acks += std::max<int64_t>(run_acks, 0);
        errors += std::max<int64_t>(run_errors, 0);
      }
    });
  }
  ~BenchLoad() { finish(); }
  void finish() {
    stop = true;
    if (thread.joinable()) thread.join();
  }

  std::atomic<bool> stop{false};
  std::atomic<int64_t> acks{0};
  std::atomic<int64_t> errors{0};
  std::atomic<int> failed_runs{0};
  std::string last_output;  // read after finish()
  std::thread thread;
};

// The new masters, stopped (TERM, by pid) however the test ends.
struct NewMasters {
  ~NewMasters() {
    for (pid_t pid : pids) kill(pid, SIGTERM);
    for (pid_t pid : pids) {
      EXPECT_TRUE(wait_until([&] { return !process_exists(pid); }, 15s)) << pid;
    }
  }
  std::vector<pid_t> pids;
};

TEST(HaproxyRolling, Usr2UpgradeOfEachInstanceFailsNoExchange) {
  if (Haproxy::program().empty()) {
    GTEST_SKIP() << "haproxy is not installed (scripts/install-deps installs it)";
  }
  constexpr int kInstances = 3;
  std::vector<std::unique_ptr<TempDir>> dirs;
  std::vector<std::unique_ptr<Daemon>> daemons;
  std::string servers;
  for (int i = 0; i < kInstances; ++i) {
    uint16_t port = free_port();
    dirs.push_back(std::make_unique<TempDir>());
    daemons.push_back(std::make_unique<Daemon>(
        "[daemon]\nworkers = 1\nlog_messages = false\nshutdown_timeout = \"3s\"\npidfile = \"" +
        dirs.back()->path() + "/ackd.pid\"\n" +
        tcp_listener("tcp", port, "proxy_protocol = \"v2\"\n")));
    servers += "  server s" + std::to_string(i) + " 127.0.0.1:" + std::to_string(port) + "\n";
  }
  uint16_t front = free_port();
  Haproxy haproxy("listen fleet\n  bind 127.0.0.1:" + std::to_string(front) +
                      "\n  balance roundrobin\n  retries 3\n  option redispatch\n"
                      "  default-server check inter 200ms send-proxy-v2 check-send-proxy\n" +
                      servers,
                  {front});
  for (int i = 0; i < kInstances; ++i) {
    std::string name = "s" + std::to_string(i);
    ASSERT_TRUE(wait_until([&] { return haproxy.server_status("fleet", name) == "UP"; }, 10s))
        << haproxy.command("show stat");
  }
  NewMasters new_masters;
  {
    BenchLoad load(front);
    ASSERT_TRUE(wait_until([&] { return load.acks > 0; }, 10s));
    for (int i = 0; i < kInstances; ++i) {
      pid_t old_master = daemons[i]->pid();
      daemons[i]->signal(SIGUSR2);
      ASSERT_TRUE(daemons[i]->wait_for(15s)) << "instance " << i << ": no hand-over";
      pid_t new_master = read_pid(dirs[i]->path() + "/ackd.pid");
      ASSERT_NE(new_master, old_master);
      new_masters.pids.push_back(new_master);
    }
    int64_t before = load.acks;
    ASSERT_TRUE(wait_until([&] { return load.acks > before; }, 10s));  // served after it all
    load.finish();
    EXPECT_EQ(load.errors, 0) << load.last_output;
    EXPECT_EQ(load.failed_runs, 0) << load.last_output;
    EXPECT_GT(load.acks, 0);
  }
}

std::string draining_config(uint16_t port, uint16_t agent) {
  return "[daemon]\nworkers = 1\nlog_messages = false\nshutdown_timeout = \"3s\"\n"
         "drain_before_stop = \"1s\"\n" +
         tcp_listener("tcp", port, "proxy_protocol = \"v2\"\n") +
         tcp_listener("agent", agent, "service = \"haproxy-agent\"\n");
}

// No retries: HAProxy's redispatch would hide refusals, so only the drain
// (weight 0 from the agent's "drain" on) keeps clients off a stopping
// instance. Without it (drain_before_stop "0s", no agent-check) this load
// saw failed exchanges.
TEST(HaproxyRolling, RestartOfEachInstanceDrainingFirstFailsNoExchange) {
  if (Haproxy::program().empty()) {
    GTEST_SKIP() << "haproxy is not installed (scripts/install-deps installs it)";
  }
  constexpr int kInstances = 3;
  std::vector<uint16_t> ports, agents;
  std::vector<std::unique_ptr<Daemon>> daemons;
  std::string servers;
  for (int i = 0; i < kInstances; ++i) {
    ports.push_back(free_port());
    agents.push_back(free_port());
    daemons.push_back(std::make_unique<Daemon>(draining_config(ports[i], agents[i])));
    servers += "  server s" + std::to_string(i) + " 127.0.0.1:" + std::to_string(ports[i]) +
               " agent-check agent-port " + std::to_string(agents[i]) + " agent-inter 100ms\n";
  }
  uint16_t front = free_port();
  Haproxy haproxy("listen fleet\n  bind 127.0.0.1:" + std::to_string(front) +
                      "\n  balance roundrobin\n  retries 0\n"
                      "  default-server check inter 200ms rise 1 send-proxy-v2 check-send-proxy\n" +
                      servers,
                  {front});
  auto all_up = [&] {
    for (int i = 0; i < kInstances; ++i) {
      if (haproxy.server_status("fleet", "s" + std::to_string(i)) != "UP") return false;
    }
    return true;
  };
  ASSERT_TRUE(wait_until(all_up, 10s)) << haproxy.command("show stat");
  {
    BenchLoad load(front);
    ASSERT_TRUE(wait_until([&] { return load.acks > 0; }, 10s));
    for (int i = 0; i < kInstances; ++i) {
      std::string name = "s" + std::to_string(i);
      daemons[i]->signal(SIGTERM);
      ASSERT_TRUE(
          wait_until([&] { return haproxy.server_status("fleet", name) == "DRAIN (agent)"; }, 5s))
          << haproxy.command("show stat");
      ASSERT_TRUE(daemons[i]->wait_for(15s)) << "instance " << i << " did not stop";
      daemons[i] = std::make_unique<Daemon>(draining_config(ports[i], agents[i]));
      ASSERT_TRUE(wait_until(all_up, 10s)) << haproxy.command("show stat");  // "up ready"
    }
    int64_t before = load.acks;
    ASSERT_TRUE(wait_until([&] { return load.acks > before; }, 10s));
    load.finish();
    EXPECT_EQ(load.errors, 0) << load.last_output;
    EXPECT_EQ(load.failed_runs, 0) << load.last_output;
  }
}

TEST(HaproxyRolling, KillOfOneInstanceCostsOnlyTheExchangesInFlight) {
  if (Haproxy::program().empty()) {
    GTEST_SKIP() << "haproxy is not installed (scripts/install-deps installs it)";
  }
  constexpr int kInstances = 3;
  std::vector<std::unique_ptr<Daemon>> daemons;
  std::string servers;
  for (int i = 0; i < kInstances; ++i) {
    uint16_t port = free_port();
    daemons.push_back(
        std::make_unique<Daemon>("[daemon]\nworkers = 1\nlog_messages = false\n" +
                                 tcp_listener("tcp", port, "proxy_protocol = \"v2\"\n")));
    servers += "  server s" + std::to_string(i) + " 127.0.0.1:" + std::to_string(port) + "\n";
  }
  uint16_t front = free_port();
  Haproxy haproxy("listen fleet\n  bind 127.0.0.1:" + std::to_string(front) +
                      "\n  balance roundrobin\n  retries 3\n  option redispatch\n"
                      "  default-server check inter 100ms fall 1 send-proxy-v2 check-send-proxy\n" +
                      servers,
                  {front});
  for (int i = 0; i < kInstances; ++i) {
    std::string name = "s" + std::to_string(i);
    ASSERT_TRUE(wait_until([&] { return haproxy.server_status("fleet", name) == "UP"; }, 10s))
        << haproxy.command("show stat");
  }
  BenchLoad load(front);  // 2 connections at a time
  ASSERT_TRUE(wait_until([&] { return load.acks > 0; }, 10s));
  std::vector<pid_t> killed = kill_whole_daemon(daemons[0]->pid());
  daemons[0]->wait_for(5s);
  daemons[0]->allow_errors();
  daemons[0].reset();
  for (pid_t pid : killed) wait_until([&] { return !alive(pid); }, 5s);  // a zombie holds nothing
  ASSERT_TRUE(wait_until([&] { return haproxy.server_status("fleet", "s0") == "DOWN"; }, 5s))
      << haproxy.command("show stat");
  int64_t before = load.acks;
  ASSERT_TRUE(wait_until([&] { return load.acks > before + 50; }, 10s));  // the others serve
  load.finish();
  EXPECT_LE(load.errors, 2) << load.last_output;  // the bench's concurrency
}

}  // namespace
}  // namespace ackd::test
