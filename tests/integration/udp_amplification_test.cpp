// UDP is no reflection amplifier (SPEC.md): per source address, the bytes
// ackd sends back are bounded by the bytes received from it plus one
// udp_reply_burst per window, across the whole daemon however many workers
// serve the source; what is over the bound is dropped and counted.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/ports.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
constexpr auto kWindow = 10s;  // the bound's window (daemon/reply_budget.h)

struct Flood {
  size_t sent = 0;      // bytes
  size_t received = 0;  // bytes of replies
  Clock::duration elapsed{};
};

// `sockets` UDP sockets on 127.0.0.1 (one source address, many ports: the
// bound is per address), connected to the listener, each with a large
// receive buffer so that no reply is lost on our side.
std::vector<UniqueFd> one_source(uint16_t port, int sockets) {
  std::vector<UniqueFd> fds;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < sockets; ++i) {
    UniqueFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    int size = 4 << 20;
    setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    EXPECT_EQ(connect(fd.get(), reinterpret_cast<sockaddr*>(&to), sizeof(to)), 0);
    fds.push_back(std::move(fd));
  }
  return fds;
}

// Reads every reply waiting on `fds`; returns their bytes.
size_t drain(const std::vector<UniqueFd>& fds) {
  size_t bytes = 0;
  char buffer[256];
  for (const UniqueFd& fd : fds) {
    ssize_t n;
    while ((n = recv(fd.get(), buffer, sizeof(buffer), 0)) > 0) bytes += static_cast<size_t>(n);
  }
  return bytes;
}

// Reads replies until none has come for 300 ms (3 s at most).
size_t drain_until_quiet(const std::vector<UniqueFd>& fds) {
  size_t bytes = 0;
  auto deadline = Clock::now() + 3s;
  while (Clock::now() < deadline) {
    std::vector<pollfd> polled;
    for (const UniqueFd& fd : fds) polled.push_back({fd.get(), POLLIN, 0});
    if (poll(polled.data(), polled.size(), 300) <= 0) break;
    bytes += drain(fds);
  }
  return bytes;
}

// `count` one-byte datagrams, in bursts of `burst` (a burst outpaces one
// worker, so the others are woken too), round robin over `fds`.
Flood flood(const std::vector<UniqueFd>& fds, int count, int burst) {
  Flood result;
  auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    if (send(fds[i % fds.size()].get(), "x", 1, 0) == 1) ++result.sent;
    if ((i + 1) % burst == 0) result.received += drain(fds);
  }
  result.received += drain_until_quiet(fds);
  result.elapsed = Clock::now() - start;
  return result;
}

size_t windows_spanned(Clock::duration elapsed) { return 1 + elapsed / kWindow; }

// True once `ackctl status` counts dropped replies.
bool drops_counted(const Daemon& daemon) {
  return wait_until(
      [&] {
        std::optional<DaemonStatus> status = daemon_status(daemon.control_socket());
        if (!status) return false;
        size_t totals = status->json.find("\"totals\"");
        return json_number(status->json, "dropped", totals).value_or(0) > 0;
      },
      3s);
}

// 2,000 one-byte datagrams from one source get back no more bytes than they
// sent plus the burst; the rest is dropped and counted.
TEST(UdpAmplification, RepliesAreBoundedBySourceBytesPlusBurst) {
  uint16_t port = free_port();
  Daemon daemon("[daemon]\nworkers = 1\nlog_messages = false\nudp_reply_burst = 1000\n" +
                udp_listener("udp", port));
  std::vector<UniqueFd> fds = one_source(port, 1);
  Flood result = flood(fds, 2000, 100);
  EXPECT_GT(result.received, 0u) << "the first datagrams must be answered";
  EXPECT_LE(result.received, result.sent + 1000 * windows_spanned(result.elapsed))
      << "sent " << result.sent;
  EXPECT_TRUE(drops_counted(daemon)) << "no drops in ackctl status";
}

// The bound is the daemon's, not each worker's: 4,000 one-byte datagrams
// from one address, served by 4 workers, drew 12,618 bytes when each worker
// kept its own budget (three bursts). Now one burst, whichever worker answers.
TEST(UdpAmplification, BoundHoldsAcrossWorkers) {
  uint16_t port = free_port();
  Daemon daemon("[daemon]\nworkers = 4\nlog_messages = false\n" + udp_listener("udp", port));
  ASSERT_EQ(daemon.workers(4).size(), 4u);
  std::vector<UniqueFd> fds = one_source(port, 4);
  Flood result = flood(fds, 4000, 400);
  constexpr size_t kBurst = 4096;  // udp_reply_burst's default
  EXPECT_GT(result.received, 0u) << "the first datagrams must be answered";
  EXPECT_LE(result.received, result.sent + kBurst * windows_spanned(result.elapsed))
      << "sent " << result.sent;
  EXPECT_TRUE(drops_counted(daemon)) << "no drops in ackctl status";
  // The test shows something only if several workers served the source.
  std::optional<DaemonStatus> status = daemon_status(daemon.control_socket());
  ASSERT_TRUE(status.has_value());
  size_t serving = 0;
  for (const WorkerStatus& worker : status->workers) serving += worker.replies > 0 ? 1 : 0;
  EXPECT_GE(serving, 2u) << "one worker served every datagram: " << status->json;
}

}  // namespace
}  // namespace ackd::test
