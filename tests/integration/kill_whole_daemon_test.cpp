// kill_whole_daemon (tests/support/proc_stat.h), the chaos tests' power
// cut, keeps its promise: once stopped, no process of the daemon runs
// again, so none can answer a client after the "cut". Its kill order is
// what keeps it: a stopped process group the master's death orphans is
// continued by the kernel (SIGHUP, ignored by ackd's workers, then SIGCONT).
#include <gtest/gtest.h>
#include <sched.h>

#include <csignal>
#include <thread>

#include "tests/support/daemon.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"
#include "tests/support/proc_stat.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;

// One CPU of those we may use.
int some_cpu() {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  sched_getaffinity(0, sizeof(allowed), &allowed);
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &allowed)) return cpu;
  }
  return 0;
}

void pin(pid_t pid, int cpu) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  sched_setaffinity(pid, sizeof(one), &one);
}

// The whole daemon stopped, a client's message waiting unread for its
// connection process; then the kill, from a thread that runs only when no
// process of the daemon can (same CPU, SCHED_IDLE): a process continued
// before its own SIGKILL runs at once, and would read the message and ack
// it. (Under a subreaper in the test's session no group is orphaned: it
// passes then either way.)
TEST(KillWholeDaemon, NoProcessAnswersOnceStopped) {
  uint16_t port = free_port();
  Daemon daemon(
      "[daemon]\nmode = \"fork\"\nlog_messages = false\n"
      "[[listener]]\nname = \"tcp\"\nprotocol = \"tcp\"\naddress = \"127.0.0.1:" +
      std::to_string(port) + "\"\n");
  daemon.allow_errors();
  UniqueFd client = connect_tcp(port);
  send_all(client.get(), "first\n");
  ASSERT_EQ(read_line(client.get(), 5s), "I got your message");
  pid_t master = daemon.pid();
  std::vector<pid_t> pids = stop_whole_daemon(master);
  ASSERT_GE(pids.size(), 2u) << "no dispatcher with a connection process";
  ASSERT_TRUE(wait_until(
      [&] {
        for (pid_t pid : pids) {
          if (process_state(pid) != 'T') return false;
        }
        return true;
      },
      5s));
  int cpu = some_cpu();
  pin(master, cpu);
  for (pid_t pid : pids) pin(pid, cpu);
  send_all(client.get(), "second\n");
  std::thread killer([&] {
    pin(0, cpu);
    sched_param idle{};
    sched_setscheduler(0, SCHED_IDLE, &idle);
    kill_stopped_daemon(master, pids);
  });
  killer.join();
  std::string reply;
  try {
    reply = read_line(client.get(), 3s);
  } catch (const std::exception&) {  // reset: no answer either
  }
  EXPECT_EQ(reply, "") << "a process of the killed daemon answered";
  daemon.wait_for(5s);
}

}  // namespace
}  // namespace ackd::test
