// A failure costs what caused it (STYLE.md habit 14): when epoll_ctl fails
// for one connection with ENOSPC, as at fs.epoll.max_user_watches, that
// connection is closed, counted and logged at a bounded rate, and every
// worker lives on serving the others. The failure is injected by a
// preloaded shim (tests/support/epoll_fault_shim.c) for the clients that
// connect from 127.0.0.2; the machine's limits are left alone.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdlib>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/syscall.h"
#include "common/unique_fd.h"
#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;
const std::string kAck = "I got your message";
constexpr const char* kFaultyPeer = "127.0.0.2";
constexpr int kFailedConnections = 20;

// A TCP connection to 127.0.0.1:port from the faulty peer's address.
UniqueFd connect_from_faulty_peer(uint16_t port, int receive_buffer = 0) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("socket", "");
  if (receive_buffer > 0) {
    setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
  }
  sockaddr_in from{};
  from.sin_family = AF_INET;
  inet_pton(AF_INET, kFaultyPeer, &from.sin_addr);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&from), sizeof(from)) != 0) {
    throw_errno("bind", kFaultyPeer);
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (retry_eintr(
          [&] { return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&to), sizeof(to)); }) != 0) {
    throw_errno("connect", "127.0.0.1");
  }
  return fd;
}

// True if the server ends the connection (EOF or reset) within `timeout`.
bool closed_by_server(int fd, std::chrono::milliseconds timeout) {
  try {
    read_until_eof(fd, timeout);
    char byte;
    return ::recv(fd, &byte, 1, MSG_DONTWAIT) == 0;
  } catch (const std::runtime_error&) {
    return true;  // reset
  }
}

DaemonOptions with_faulty_epoll(const std::string& operations) {
  return with_preload(EPOLL_FAULT_SHIM, {"EPOLL_FAULT_OPS=" + operations,
                                         std::string("EPOLL_FAULT_PEER=") + kFaultyPeer});
}

// The errors in the daemon's status totals (0 if it cannot be read).
uint64_t errors_counted(Daemon& daemon) {
  std::optional<DaemonStatus> status = daemon_status(daemon.control_socket());
  if (!status) return 0;
  return json_number(status->json, "errors", status->json.find("\"totals\":")).value_or(0);
}

// Keep-alive clients of the healthy kind, one message answered on each.
std::vector<UniqueFd> healthy_clients(uint16_t port, int count, const std::string& ack = kAck) {
  std::vector<UniqueFd> clients;
  for (int i = 0; i < count; ++i) {
    clients.push_back(connect_tcp(port));
    send_all(clients.back().get(), "hello\n");
    EXPECT_TRUE(read_line(clients.back().get(), 5s) == ack) << "client " << i << ": no ack";
  }
  return clients;
}

// After the failures: the same workers, never restarted, each healthy
// client still answered on its connection, new clients too, and the
// failures counted (errors in status) and logged at most once per worker.
void expect_only_the_failed_connections_were_lost(Daemon& daemon, uint16_t port,
                                                  const std::vector<pid_t>& workers,
                                                  std::vector<UniqueFd>& clients,
                                                  const std::string& ack = kAck) {
  for (size_t i = 0; i < clients.size(); ++i) {
    send_all(clients[i].get(), "still there?\n");
    EXPECT_TRUE(read_line(clients[i].get(), 5s) == ack) << "healthy client " << i << " lost";
  }
  EXPECT_TRUE(tcp_exchange(port, "a new client\n") == ack + "\n") << "a new client unserved";
  std::vector<pid_t> now = daemon.workers(workers.size());
  EXPECT_EQ(std::set<pid_t>(now.begin(), now.end()),
            std::set<pid_t>(workers.begin(), workers.end()))
      << "a worker died";
  std::optional<DaemonStatus> status = daemon_status(daemon.control_socket());
  ASSERT_TRUE(status.has_value());
  size_t totals = status->json.find("\"totals\":");
  EXPECT_EQ(json_number(status->json, "restarts", totals), 0u) << status->json;
  EXPECT_GE(json_number(status->json, "errors", totals).value_or(0),
            static_cast<uint64_t>(kFailedConnections))
      << "the failed connections are not counted: " << status->json;
  std::vector<std::string> warnings = lines_with(daemon.log(), "No space left on device");
  EXPECT_GE(warnings.size(), 1u) << "the failure is not logged";
  EXPECT_LE(warnings.size(), workers.size()) << "logged at each failure, not at a bounded rate";
}

// The connection cannot join the event loop (EPOLL_CTL_ADD fails) after its
// first message was answered: it is closed, and nothing else is.
TEST(ConnectionFailure, FailedEpollAddClosesOnlyThatConnection) {
  uint16_t port = free_port();
  Daemon daemon("[daemon]\nworkers = 2\nlog_messages = false\n" + tcp_listener("tcp", port),
                with_faulty_epoll("ADD"));
  std::vector<pid_t> workers = daemon.workers(2);
  ASSERT_EQ(workers.size(), 2u);
  std::vector<UniqueFd> clients = healthy_clients(port, 4);
  for (int i = 0; i < kFailedConnections; ++i) {
    UniqueFd doomed = connect_from_faulty_peer(port);
    send_all(doomed.get(), "doomed\n");
    EXPECT_TRUE(closed_by_server(doomed.get(), 15s)) << "connection " << i << " left open";
  }
  expect_only_the_failed_connections_were_lost(daemon, port, workers, clients);
}

// A registered connection whose interest changes (its acks back up, as the
// client reads none) cannot be modified (EPOLL_CTL_MOD fails): it is closed,
// and nothing else is.
TEST(ConnectionFailure, FailedEpollModifyClosesOnlyThatConnection) {
  uint16_t port = free_port();
  // 2,048 messages of 2 bytes draw 8 MiB of acks, more than a loopback
  // socket's send buffer holds for a client that reads nothing: the worker
  // must wait for EPOLLOUT, which takes a modify.
  const std::string ack(4000, 'a');
  Daemon daemon("[daemon]\nworkers = 2\nlog_messages = false\n" +
                    tcp_listener("tcp", port, "ack = \"" + ack + "\"\n"),
                with_faulty_epoll("MOD"));
  std::vector<pid_t> workers = daemon.workers(2);
  ASSERT_EQ(workers.size(), 2u);
  std::vector<UniqueFd> clients = healthy_clients(port, 4, ack);
  std::string many;
  for (int i = 0; i < 2048; ++i) many += "x\n";
  for (int i = 0; i < kFailedConnections; ++i) {
    UniqueFd doomed = connect_from_faulty_peer(port, /*receive_buffer=*/4096);
    send_all(doomed.get(), "first\n");
    ASSERT_TRUE(read_line(doomed.get(), 5s) == ack) << "connection " << i << ": no first ack";
    send_all(doomed.get(), many);
    // Read nothing until the failure is counted: a client reading while
    // the worker writes could take every ack without the worker ever
    // waiting for EPOLLOUT, and no modify would fail.
    EXPECT_TRUE(wait_until([&] { return errors_counted(daemon) > static_cast<uint64_t>(i); }, 15s))
        << "connection " << i << ": no failure counted";
    EXPECT_TRUE(closed_by_server(doomed.get(), 15s)) << "connection " << i << " left open";
  }
  expect_only_the_failed_connections_were_lost(daemon, port, workers, clients, ack);
}

// A worker at max_connections takes its listener out of its event loop;
// when putting it back fails (EPOLL_CTL_ADD, ENOSPC: here its 2nd to 4th
// try) the worker retries, and serves again once it can, instead of dying.
TEST(ConnectionFailure, FailedListenerResumeIsRetried) {
  uint16_t port = free_port();
  DaemonOptions options = with_faulty_epoll("");
  options.extra_env.push_back("EPOLL_FAULT_LISTENER_ADDS=2-4");
  Daemon daemon("[daemon]\nworkers = 1\nmax_connections = 1\n" + tcp_listener("tcp", port),
                options);
  std::vector<pid_t> workers = daemon.workers(1);
  ASSERT_EQ(workers.size(), 1u);
  healthy_clients(port, 1);  // the worker was full while it held it: paused
  bool served = wait_until(
      [&] {
        try {
          return tcp_exchange(port, "again\n", 1s) == kAck + "\n";
        } catch (const std::exception&) {
          return false;
        }
      },
      5s, 100ms);
  EXPECT_TRUE(served) << "the worker does not accept again";
  EXPECT_EQ(daemon.workers(1), workers) << "the worker died";
  std::vector<std::string> warnings = lines_with(daemon.log(), "No space left on device");
  EXPECT_EQ(warnings.size(), 1u) << "not logged, or not at a bounded rate";
}

}  // namespace
}  // namespace ackd::test
