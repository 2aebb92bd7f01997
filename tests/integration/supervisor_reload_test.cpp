// HUP: reload under load without failing a connection, keep serving on a bad
// config, add and remove listeners, keep the sockets of those that stay.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <set>
#include <sstream>

#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/exchange_load.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
const std::string kAck = "I got your message\n";

bool exists(const std::string& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) == 0;
}

std::string reloaded(uint32_t generation) {
  return "reloaded: generation " + std::to_string(generation) + ",";
}

// The inode of the socket listening on TCP `port` (0: none), from /proc/net.
uint64_t listening_inode(uint16_t port) {
  for (const char* file : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout;
      uint64_t inode = 0;
      fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
          timeout >> inode;
      size_t colon = local.rfind(':');
      if (colon == std::string::npos || state != "0A") continue;
      if (std::stoul(local.substr(colon + 1), nullptr, 16) == port) return inode;
    }
  }
  return 0;
}

// The errno of a TCP connect to `port` (0: it connected).
int connect_error(uint16_t port) {
  try {
    connect_tcp(port);
    return 0;
  } catch (const std::system_error& e) {
    return e.code().value();
  }
}

std::string storm_config(uint16_t port, const std::string& ack) {
  return "[daemon]\nworkers = 2\nlog_messages = false\nshutdown_timeout = \"10s\"\n" +
         tcp_listener("tcp", port, "messages_per_connection = 1\nack = \"" + ack + "\"\n");
}

// 16 HUPs within 5 s while a client exchanges connection-per-message without
// pause, each generation serving a few exchanges: not one connection may be
// refused, reset or left without its ack.
TEST(SupervisorReload, StormUnderLoadFailsNoConnection) {
  uint16_t port = free_port();
  const std::string first = "I got your message", second = "storm ack two";
  Daemon daemon(storm_config(port, first));
  ASSERT_EQ(daemon.workers(2).size(), 2u);
  ExchangeLoad load(port, {first + "\n", second + "\n"});
  ASSERT_TRUE(wait_until([&] { return load.done() > 0; }, 5s)) << "the load never got going";
  auto started = Clock::now();
  for (uint32_t i = 1; i <= 16; ++i) {
    if (i > 1) {
      int before = load.done();
      ASSERT_TRUE(wait_until([&] { return load.done() >= before + 15; }, 5s))
          << "the load stalled after reload " << i - 1;
    }
    rewrite_config(daemon, storm_config(port, i % 2 == 1 ? second : first));
    daemon.signal(SIGHUP);
    // One HUP at a time: signals sent faster than the master reads coalesce.
    ASSERT_TRUE(daemon.wait_for_log(reloaded(i + 1), 5s)) << "reload " << i << " not logged";
  }
  auto storm = Clock::now() - started;
  int after_storm = load.done();
  EXPECT_TRUE(wait_until([&] { return load.done() >= after_storm + 20; }, 5s))
      << "the load stalled after the last reload";
  load.stop();
  EXPECT_LT(storm, 5500ms) << "the 16 reloads took too long to be a storm";
  EXPECT_EQ(load.failed(), 0) << load.failures();
  EXPECT_GE(load.done(), 200) << "too few exchanges to call this load";
  // The old generations drain and exit; the new one serves the new ack.
  EXPECT_TRUE(wait_until([&] { return children_of(daemon.pid()).size() == 2; }, 10s))
      << children_of(daemon.pid()).size() << " children";
  auto status = daemon_status(daemon.control_socket());
  ASSERT_TRUE(status);
  EXPECT_EQ(status->generation, 17u);
  ASSERT_EQ(status->workers.size(), 2u) << status->json;
  for (const WorkerStatus& worker : status->workers) EXPECT_EQ(worker.generation, 17u);
  EXPECT_EQ(tcp_exchange(port, "last\n"), first + "\n");
  EXPECT_TRUE(daemon.wait_for_log("reloaded: generation 17"));
}

TEST(SupervisorReload, InvalidConfigKeepsThePreviousOne) {
  uint16_t port = free_port();
  std::string good = "[daemon]\nworkers = 1\n" + tcp_listener("tcp", port);
  Daemon daemon(good);
  daemon.allow_errors();
  std::vector<pid_t> workers = daemon.workers(1);
  ASSERT_EQ(workers.size(), 1u);
  std::string bad = good;
  bad.replace(bad.find("protocol = \"tcp\""), 16, "protocol = \"tcpx\"");
  std::string written = rewrite_config(daemon, bad);
  // Where the error must point: line and column of the value "tcpx".
  size_t at = written.find("\"tcpx\"");
  size_t line = 1 + std::count(written.begin(), written.begin() + at, '\n');
  size_t column = at - written.rfind('\n', at);
  daemon.signal(SIGHUP);
  ASSERT_TRUE(daemon.wait_for_log("still running the previous configuration"));
  std::string expected = "reload: " + daemon.config_path() + ":" + std::to_string(line) + ":" +
                         std::to_string(column) + ": listener[0].protocol: ";
  std::vector<std::string> errors = lines_with(daemon.log(), expected);
  ASSERT_EQ(errors.size(), 1u) << "no line with: " << expected;
  EXPECT_NE(errors[0].find(" error: "), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("tcpx"), std::string::npos) << errors[0];
  // Still serving, with the same workers and generation.
  EXPECT_EQ(tcp_exchange(port, "still there?\n"), kAck);
  EXPECT_EQ(daemon.workers(1), workers);
  auto status = daemon_status(daemon.control_socket());
  ASSERT_TRUE(status);
  EXPECT_EQ(status->generation, 1u);
  EXPECT_EQ(daemon.log().find("reloaded: generation"), std::string::npos);
  // Fixed: the next HUP reloads.
  rewrite_config(daemon, good);
  daemon.signal(SIGHUP);
  ASSERT_TRUE(daemon.wait_for_log(reloaded(2)));
  EXPECT_EQ(tcp_exchange(port, "fixed\n"), kAck);
}

TEST(SupervisorReload, ListenersAreAddedAndRemoved) {
  uint16_t port_a = free_port(), port_b = free_port();
  std::string head = "[daemon]\nworkers = 1\nshutdown_timeout = \"3s\"\n";
  Daemon daemon(head + tcp_listener("tcp-a", port_a));
  std::string unix_path = daemon.dir().file("added.sock");
  ASSERT_EQ(tcp_exchange(port_a, "a\n"), kAck);
  uint64_t inode = listening_inode(port_a);
  ASSERT_NE(inode, 0u);

  // Added: a unix listener and UDP on port B; A keeps its very socket.
  rewrite_config(daemon, head + tcp_listener("tcp-a", port_a) + unix_listener("local", unix_path) +
                             udp_listener("udp-b", port_b));
  daemon.signal(SIGHUP);
  ASSERT_TRUE(daemon.wait_for_log(reloaded(2)));
  EXPECT_EQ(listening_inode(port_a), inode) << "tcp-a was closed and bound again";
  EXPECT_EQ(tcp_exchange(port_a, "a\n"), kAck);
  EXPECT_EQ(unix_exchange(unix_path, "u\n"), kAck);
  EXPECT_EQ(udp_exchange(port_b, "b"), "I got your message");

  // Removed: A refuses connections, the others serve.
  rewrite_config(daemon, head + unix_listener("local", unix_path) + udp_listener("udp-b", port_b));
  daemon.signal(SIGHUP);
  ASSERT_TRUE(daemon.wait_for_log(reloaded(3)));
  EXPECT_TRUE(wait_until([&] { return connect_error(port_a) == ECONNREFUSED; }, 5s))
      << "connect to the removed listener: errno " << connect_error(port_a);
  EXPECT_FALSE(tcp_port_listening(port_a));
  EXPECT_EQ(unix_exchange(unix_path, "u\n"), kAck);
  EXPECT_EQ(udp_exchange(port_b, "b"), "I got your message");

  // A removed unix listener takes its socket file with it.
  rewrite_config(daemon, head + udp_listener("udp-b", port_b));
  daemon.signal(SIGHUP);
  ASSERT_TRUE(daemon.wait_for_log(reloaded(4)));
  EXPECT_FALSE(exists(unix_path)) << "the removed listener's socket file is still there";
  EXPECT_EQ(udp_exchange(port_b, "b"), "I got your message");
}

// Clients connected before the HUP speak after it: the old generation (or
// the new one) still answers them, also a message cut in two by the reload.
TEST(SupervisorReload, ConnectionsOpenedBeforeReloadAreServedAfter) {
  uint16_t port = free_port();
  std::string config = "[daemon]\nworkers = 2\nshutdown_timeout = \"10s\"\n" +
                       tcp_listener("tcp", port, "messages_per_connection = 1\n");
  Daemon daemon(config);
  std::vector<UniqueFd> silent;
  for (int i = 0; i < 10; ++i) silent.push_back(connect_tcp(port));
  UniqueFd halfway = connect_tcp(port);
  send_all(halfway.get(), "cut in");
  ASSERT_TRUE(wait_until(
      [&] {
        auto status = daemon_status(daemon.control_socket());
        return status && status->open_connections() >= 1;  // halfway, which spoke
      },
      5s))
      << "halfway was not accepted by the old generation";
  std::vector<pid_t> old = daemon.workers(2);
  daemon.signal(SIGHUP);
  ASSERT_TRUE(daemon.wait_for_log(reloaded(2)));
  // The clients speak once the old generation has taken its TERM: each old
  // worker says "draining" in the scoreboard, or is gone (one that held
  // nothing).
  std::optional<DaemonStatus> status;
  ASSERT_TRUE(wait_until(
      [&] {
        status = daemon_status(daemon.control_socket());
        return status &&
               std::none_of(status->workers.begin(), status->workers.end(),
                            [&](const WorkerStatus& worker) {
                              return std::find(old.begin(), old.end(), worker.pid) != old.end() &&
                                     worker.state != "draining";
                            });
      },
      5s))
      << (status ? status->json : "no status");
  for (size_t i = 0; i < silent.size(); ++i) {
    send_all(silent[i].get(), "late " + std::to_string(i) + "\n");
    shutdown(silent[i].get(), SHUT_WR);
  }
  send_all(halfway.get(), " two\n");
  for (size_t i = 0; i < silent.size(); ++i) {
    EXPECT_EQ(read_until_eof(silent[i].get(), 5s), kAck) << "connection " << i;
  }
  EXPECT_EQ(read_until_eof(halfway.get(), 5s), kAck);
  // Served, the old generation leaves.
  EXPECT_TRUE(wait_until(
      [&] {
        std::vector<ProcessInfo> now = children_of(daemon.pid());
        return now.size() == 2 && std::none_of(now.begin(), now.end(), [&](auto& child) {
                 return std::find(old.begin(), old.end(), child.pid) != old.end();
               });
      },
      5s));
}

}  // namespace
}  // namespace ackd::test
