// defer_accept (TCP_DEFER_ACCEPT): a TCP client that connects and says
// nothing is held by the kernel, not by a worker or a fork-mode child, until
// it writes or the timeout passes; "0s" hands every connection over at once;
// a reload applies a new value to the socket it keeps.
#include <gtest/gtest.h>

#include <csignal>

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
const std::string kAck = "I got your message\n";

class DeferAccept : public ::testing::TestWithParam<const char*> {
 protected:
  std::string config(const std::string& listener_extra) const {
    return std::string("[daemon]\nmode = \"") + GetParam() + "\"\nworkers = 1\n" +
           tcp_listener("tcp", port_, listener_extra);
  }

  // Connections the daemon has accepted and holds open (nullopt: no status).
  std::optional<uint64_t> open_connections(const Daemon& daemon) const {
    auto status = daemon_status(daemon.control_socket());
    if (!status) return std::nullopt;
    return status->open_connections();
  }

  bool wait_for_open(const Daemon& daemon, uint64_t count) const {
    return wait_until([&] { return open_connections(daemon) == count; }, 8s);
  }

  uint16_t port_ = free_port();
};

TEST_P(DeferAccept, SilentClientWaitsInTheKernelUntilItWrites) {
  Daemon daemon(config("defer_accept = \"5s\"\n"));
  UniqueFd silent = connect_tcp(port_);
  // Held half-way by the kernel until the client writes, so not accepted
  // (without defer_accept the handshake completes within connect()).
  EXPECT_TRUE(wait_until([&] { return tcp_handshake_held(port_); }, 5s))
      << "not held: defer_accept is not on";
  EXPECT_EQ(open_connections(daemon), 0u) << "accepted before the client wrote";
  send_all(silent.get(), "late\n");
  EXPECT_EQ(read_line(silent.get(), 5s) + "\n", kAck);
}

// The default (1s) still serves a client that waits to be spoken to: the
// kernel hands it over after the timeout, and idle_timeout counts from then.
TEST_P(DeferAccept, DefaultHandsASilentClientOverAfterASecond) {
  Daemon daemon(config(""));
  UniqueFd silent = connect_tcp(port_);
  // Held half-way by the kernel, so not accepted: without defer_accept the
  // handshake completes within connect() on loopback.
  EXPECT_TRUE(wait_until([&] { return tcp_handshake_held(port_); }, 5s))
      << "accepted at once: defer_accept is not on";
  EXPECT_TRUE(wait_for_open(daemon, 1)) << "a silent client was never accepted";
  send_all(silent.get(), "at last\n");
  EXPECT_EQ(read_line(silent.get(), 5s) + "\n", kAck);
}

TEST_P(DeferAccept, ZeroAcceptsAtOnceAndAReloadTurnsItOn) {
  Daemon daemon(config("defer_accept = \"0s\"\n"));
  {
    UniqueFd silent = connect_tcp(port_);
    EXPECT_TRUE(wait_for_open(daemon, 1)) << "not accepted at once with defer_accept = \"0s\"";
  }
  ASSERT_TRUE(wait_for_open(daemon, 0));
  rewrite_config(daemon, config("defer_accept = \"5s\"\n"));
  daemon.signal(SIGHUP);
  ASSERT_TRUE(daemon.wait_for_log("reloaded: generation 2,"));
  ASSERT_TRUE(wait_for_open(daemon, 0));
  UniqueFd silent = connect_tcp(port_);
  EXPECT_TRUE(wait_until([&] { return tcp_handshake_held(port_); }, 5s))
      << "the kept socket did not take defer_accept";
  EXPECT_EQ(open_connections(daemon), 0u) << "accepted before the client wrote";
  send_all(silent.get(), "after reload\n");
  EXPECT_EQ(read_line(silent.get(), 5s) + "\n", kAck);
}

INSTANTIATE_TEST_SUITE_P(, DeferAccept, ::testing::Values("prefork", "fork"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace ackd::test
