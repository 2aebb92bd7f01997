// Limits that are safe on the Internet: slowloris and idle clients are timed
// out without delaying anyone, a worker at max_connections (or max_children
// in fork mode) leaves new clients in the kernel backlog, and running out of
// file descriptors never makes a worker spin.
#include <gtest/gtest.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <optional>
#include <thread>

#include "common/syscall.h"
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

std::chrono::milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

struct Received {
  std::string text;
  bool eof = false;
  bool reset = false;
  Clock::time_point first_byte{};
};

// Reads every connection until EOF, reset or `timeout`, all at once.
std::vector<Received> read_all(const std::vector<UniqueFd>& fds,
                               std::chrono::milliseconds timeout) {
  std::vector<Received> received(fds.size());
  auto deadline = Clock::now() + timeout;
  size_t open = fds.size();
  while (open > 0 && Clock::now() < deadline) {
    std::vector<pollfd> polled;
    std::vector<size_t> index;
    for (size_t i = 0; i < fds.size(); ++i) {
      if (received[i].eof || received[i].reset) continue;
      polled.push_back({fds[i].get(), POLLIN, 0});
      index.push_back(i);
    }
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
    if (retry_eintr([&] { return poll(polled.data(), polled.size(), std::max(left, 1)); }) <= 0) {
      continue;
    }
    for (size_t k = 0; k < polled.size(); ++k) {
      if (polled[k].revents == 0) continue;
      Received& r = received[index[k]];
      char buffer[256];
      ssize_t n = recv(polled[k].fd, buffer, sizeof(buffer), MSG_DONTWAIT);
      if (n > 0 && r.text.empty()) r.first_byte = Clock::now();
      if (n > 0) r.text.append(buffer, static_cast<size_t>(n));
      if (n == 0) r.eof = true;
      if (n < 0 && errno == ECONNRESET) r.reset = true;
      if (n == 0 || (n < 0 && errno == ECONNRESET)) --open;
    }
  }
  return received;
}

// True if `fd` has something to read (data or EOF) within `timeout`.
bool readable(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  return retry_eintr([&] { return poll(&p, 1, static_cast<int>(timeout.count())); }) > 0;
}

// 300 clients each sent half a line and stopped: another client is still
// answered at once, and the 300 get "ERR message timeout" after message_timeout.
TEST(SupervisorLimits, SlowlorisDoesNotDelayOthersAndIsTimedOut) {
  ASSERT_GE(raise_fd_limit(1024), 400u) << "cannot open 300 connections";
  uint16_t port = free_port();
  Daemon daemon("[daemon]\nworkers = 1\nmessage_timeout = \"1s\"\nidle_timeout = \"30s\"\n" +
                tcp_listener("tcp", port));
  std::vector<UniqueFd> slow;
  auto started = Clock::now();
  for (int i = 0; i < 300; ++i) {
    slow.push_back(connect_tcp(port));
    send_all(slow.back().get(), "partial");
  }
  auto sent = Clock::now();
  ASSERT_TRUE(wait_until(
      [&] {
        auto status = daemon_status(daemon.control_socket());
        return status && status->open_connections() == slow.size();
      },
      5s))
      << "the worker never held all the slow clients";
  auto before = Clock::now();
  EXPECT_EQ(tcp_exchange(port, "me first\n", 5s), kAck);
  EXPECT_LT(since(before), 1s) << "the slow clients delayed another client's ack";

  std::vector<Received> received = read_all(slow, 8s);
  for (size_t i = 0; i < received.size(); ++i) {
    const Received& r = received[i];
    ASSERT_EQ(r.text, "ERR message timeout\n") << "connection " << i;
    ASSERT_TRUE(r.eof) << "connection " << i << (r.reset ? " was reset" : " was not closed");
    // Not before its message_timeout (the sweep is coarse: some slack).
    EXPECT_GE(r.first_byte - started, 800ms) << "connection " << i << " timed out too early";
  }
  EXPECT_LT(since(sent), 6s) << "the slow clients were not timed out within a few seconds";
}

// message_timeout bounds each message, not a connection: a client whose
// every read ends one message and starts the next is never timed out. The
// connection outlives the timeout (plus the sweep's 250 ms) by far; each
// message takes 0.3 s, far enough from 2 s that a loaded machine's pauses
// do not make one late (1 s was, once, under ctest -j6).
TEST(SupervisorLimits, MessageTimeoutRestartsWithEachMessage) {
  uint16_t port = free_port();
  Daemon daemon("[daemon]\nworkers = 1\nmessage_timeout = \"2s\"\nidle_timeout = \"30s\"\n" +
                tcp_listener("tcp", port));
  auto opened = Clock::now();
  UniqueFd client = connect_tcp(port);
  send_all(client.get(), "m0");
  for (int i = 1; Clock::now() - opened < 2s + 600ms; ++i) {
    std::this_thread::sleep_for(300ms);  // the point: a client this slow, but not slower
    send_all(client.get(), "\nm" + std::to_string(i));
    ASSERT_EQ(read_line(client.get(), 5s) + "\n", kAck) << "message " << i - 1;
  }
  send_all(client.get(), "\n");
  EXPECT_EQ(read_line(client.get(), 5s) + "\n", kAck);
}

TEST(SupervisorLimits, IdleConnectionsAreClosed) {
  uint16_t port = free_port();
  Daemon daemon("[daemon]\nworkers = 1\nidle_timeout = \"1s\"\n" + tcp_listener("tcp", port));
  auto started = Clock::now();
  UniqueFd silent = connect_tcp(port);
  UniqueFd spoke = connect_tcp(port);
  send_all(spoke.get(), "just one\n");
  ASSERT_EQ(read_line(spoke.get(), 5s) + "\n", kAck);
  auto acked = Clock::now();
  // read_until_eof gives up after 6 s: an EOF is what ends it sooner.
  EXPECT_EQ(read_until_eof(silent.get(), 6s), "");
  auto silent_closed = since(started);
  EXPECT_GE(silent_closed, 900ms) << "closed before idle_timeout";
  EXPECT_LT(silent_closed, 3s) << "the silent connection was not closed for idleness";
  EXPECT_EQ(read_until_eof(spoke.get(), 6s), "");
  auto spoke_closed = since(acked);
  EXPECT_GE(spoke_closed, 900ms) << "closed before idle_timeout";
  EXPECT_LT(spoke_closed, 3s) << "the idle connection was not closed";
}

// Two held connections fill the worker (or the fork-mode children of all
// the dispatchers); a third client connects (the backlog) but is served only
// once one of them closes.
void expect_third_waits_for_a_slot(const Daemon& daemon, uint16_t port, size_t processes = 1) {
  UniqueFd first = connect_tcp(port), second = connect_tcp(port);
  std::optional<DaemonStatus> status;
  ASSERT_TRUE(wait_until(
      [&] {
        status = daemon_status(daemon.control_socket());
        return status && status->workers.size() == processes && status->open_connections() == 2;
      },
      5s))
      << (status ? status->json : "no status");
  UniqueFd third = connect_tcp(port);  // completes in the kernel backlog
  send_all(third.get(), "third\n");
  EXPECT_FALSE(readable(third.get(), 1500ms)) << "served beyond the limit";
  first.reset();
  EXPECT_EQ(read_line(third.get(), 5s) + "\n", kAck) << "not served once a slot was free";
  // The one still held was neither dropped nor reset.
  send_all(second.get(), "second\n");
  EXPECT_EQ(read_line(second.get(), 5s) + "\n", kAck);
}

TEST(SupervisorLimits, MaxConnectionsLeavesClientsInTheBacklog) {
  uint16_t port = free_port();
  Daemon daemon("[daemon]\nworkers = 1\nmax_connections = 2\n" + tcp_listener("tcp", port));
  expect_third_waits_for_a_slot(daemon, port);
}

TEST(SupervisorLimits, MaxChildrenLeavesClientsInTheBacklog) {
  uint16_t port = free_port();
  Daemon daemon("[daemon]\nmode = \"fork\"\nmax_children = 2\n" + tcp_listener("tcp", port));
  expect_third_waits_for_a_slot(daemon, port);
}

// Two dispatchers share max_children (one child each): the bound is the
// daemon's, not each dispatcher's.
TEST(SupervisorLimits, MaxChildrenIsSharedByTheDispatchers) {
  uint16_t port = free_port();
  Daemon daemon("[daemon]\nmode = \"fork\"\ndispatchers = 2\nmax_children = 2\n" +
                tcp_listener("tcp", port));
  expect_third_waits_for_a_slot(daemon, port, 2);
}

// Once the daemon serves again: true if a new client is acked within
// `timeout` (tried every 200 ms); `reply` is the last answer or error.
bool acked_again_within(uint16_t port, std::chrono::milliseconds timeout, std::string& reply) {
  return wait_until(
      [&] {
        try {
          reply = tcp_exchange(port, "after\n", 3s);
        } catch (const std::exception& e) {
          reply = e.what();
        }
        return reply == kAck;
      },
      timeout, 200ms);
}

// max_connections is the worker's, whichever listener the connections came
// through: a client of a second listener waits too.
TEST(SupervisorLimits, MaxConnectionsHoldsAcrossListeners) {
  uint16_t port_a = free_port(), port_b = free_port();
  Daemon daemon("[daemon]\nworkers = 1\nmax_connections = 1\n" + tcp_listener("a", port_a) +
                tcp_listener("b", port_b));
  UniqueFd held = connect_tcp(port_a);
  send_all(held.get(), "held\n");
  ASSERT_EQ(read_line(held.get(), 5s) + "\n", kAck);
  UniqueFd other = connect_tcp(port_b);  // completes in the kernel backlog
  send_all(other.get(), "other\n");
  EXPECT_FALSE(readable(other.get(), 1500ms)) << "served beyond max_connections";
  held.reset();
  EXPECT_EQ(read_line(other.get(), 5s) + "\n", kAck) << "not served once a slot was free";
}

// A worker out of file descriptors pauses accepting instead of spinning on
// EMFILE, and serves again once descriptors are free.
TEST(SupervisorLimits, FdExhaustionIsNoBusyLoop) {
#if defined(__SANITIZE_ADDRESS__)
  // UBSan's vptr check tests memory with pipe(): out of fds, it reports a
  // valid object as "invalid vptr" and aborts the worker.
  GTEST_SKIP() << "fd exhaustion cannot be tested under the sanitizers";
#endif
  ASSERT_GE(raise_fd_limit(1024), 200u);
  uint16_t port = free_port();
  DaemonOptions options;
  options.wrapper = {"prlimit", "--nofile=32:32"};
  Daemon daemon("[daemon]\nworkers = 1\n" + tcp_listener("tcp", port), options);
  std::vector<pid_t> workers = daemon.workers(1);
  ASSERT_EQ(workers.size(), 1u);
  std::vector<UniqueFd> clients;
  for (int i = 0; i < 60; ++i) clients.push_back(connect_tcp(port));  // more than 32 fds
  ASSERT_TRUE(daemon.wait_for_log("pausing accepts", 5s))
      << "no EMFILE seen: is the limit in force?";
  std::this_thread::sleep_for(200ms);  // the point: CPU is measured once the pause has settled
  long ticks_per_second = sysconf(_SC_CLK_TCK);
  auto worker_before = cpu_ticks(workers[0]), master_before = cpu_ticks(daemon.pid());
  std::this_thread::sleep_for(1s);  // over a fixed second
  auto worker_after = cpu_ticks(workers[0]), master_after = cpu_ticks(daemon.pid());
  ASSERT_TRUE(worker_before && worker_after && master_before && master_after);
  EXPECT_LT(*worker_after - *worker_before, ticks_per_second * 3 / 10)
      << "the worker used that many ticks of " << ticks_per_second << " in one second";
  EXPECT_LT(*master_after - *master_before, ticks_per_second * 3 / 10);
  clients.clear();
  std::string reply;
  EXPECT_TRUE(acked_again_within(port, 10s, reply)) << "last reply: " << reply;
  EXPECT_EQ(daemon.workers(1), workers) << "the worker was replaced instead of pausing";
}

// Out of file descriptors, a worker retries accept 4 times a second: the
// warning is logged once, not at each retry, and once accepting works again
// one line says how many were suppressed.
TEST(SupervisorLimits, FdExhaustionWarningIsRateLimited) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "fd exhaustion cannot be tested under the sanitizers (see above)";
#endif
  ASSERT_GE(raise_fd_limit(1024), 200u);
  uint16_t port = free_port();
  DaemonOptions options;
  options.wrapper = {"prlimit", "--nofile=32:32"};
  Daemon daemon("[daemon]\nworkers = 1\n" + tcp_listener("tcp", port), options);
  auto warnings = [&] { return lines_with(daemon.log(), "accept: Too many open files").size(); };
  std::vector<UniqueFd> clients;
  for (int i = 0; i < 60; ++i) {  // more than 32 fds, each with half a message
    clients.push_back(connect_tcp(port));
    send_all(clients.back().get(), "partial");
  }
  ASSERT_TRUE(wait_until([&] { return warnings() >= 1; }, 5s))
      << "no EMFILE seen: is the limit in force?";
  // About 8 retries in 2 s: one line for them all.
  EXPECT_FALSE(wait_until([&] { return warnings() >= 3; }, 2s))
      << "the warning is repeated at each retry:\n"
      << daemon.log();
  clients.clear();
  ASSERT_TRUE(daemon.wait_for_log("accepting again", 5s)) << "the worker never said it recovered";
  std::vector<std::string> recovered = lines_with(daemon.log(), "accepting again");
  ASSERT_EQ(recovered.size(), 1u);
  EXPECT_NE(recovered[0].find(" suppressed"), std::string::npos)
      << "the suppressed warnings are not counted: " << recovered[0];
  EXPECT_LE(warnings(), 2u);
}

// An account that exists here and runs no process, for a test that bounds
// its processes with RLIMIT_NPROC; nullopt if there is none.
std::optional<std::string> idle_account() {
  for (const char* name : {"games", "lp", "news", "uucp"}) {
    passwd* pw = getpwnam(name);
    if (pw == nullptr) continue;
    bool busy = false;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
      std::string pid = entry.path().filename();
      if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
      std::vector<uint64_t> uids = status_numbers(std::stoi(pid), "Uid");
      busy |= !uids.empty() && uids[0] == pw->pw_uid;
    }
    if (!busy) return name;
  }
  return std::nullopt;
}

// A dispatcher that cannot fork (its user out of processes: RLIMIT_NPROC)
// closes the connection it accepted, pauses accepting and serves again once
// it can fork: it does not die, and the connections it holds live on.
TEST(SupervisorLimits, ForkFailureKeepsTheDispatcher) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root, to run the dispatcher as an idle account";
  std::optional<std::string> account = idle_account();
  if (!account) GTEST_SKIP() << "no idle account to run the dispatcher as";
  uint16_t port = free_port();
  DaemonOptions options;
  // The master (root) is exempt; the dispatcher and one connection process fit.
  options.wrapper = {"prlimit", "--nproc=2:2"};
  Daemon daemon(
      "[daemon]\nmode = \"fork\"\nuser = \"" + *account + "\"\n" + tcp_listener("tcp", port),
      options);
  std::vector<pid_t> dispatchers = daemon.workers(1);
  ASSERT_EQ(dispatchers.size(), 1u);
  UniqueFd held = connect_tcp(port);
  send_all(held.get(), "held\n");
  ASSERT_EQ(read_line(held.get(), 5s) + "\n", kAck);

  UniqueFd refused = connect_tcp(port);
  send_all(refused.get(), "no process for me\n");
  EXPECT_EQ(read_until_eof(refused.get(), 5s), "") << "closed without an ack, and no reset";
  EXPECT_TRUE(daemon.wait_for_log("fork", 5s));
  EXPECT_EQ(daemon.workers(1), dispatchers) << "the dispatcher died";
  send_all(held.get(), "still here\n");
  EXPECT_EQ(read_line(held.get(), 5s) + "\n", kAck) << "the held connection died";

  held.reset();  // its process ends: the dispatcher can fork again
  std::string reply;
  EXPECT_TRUE(acked_again_within(port, 5s, reply)) << "last reply: " << reply;
}

}  // namespace
}  // namespace ackd::test
