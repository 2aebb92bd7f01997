// Health probes that connect and close without a byte (HAProxy's default
// check, a Kubernetes tcpSocket probe), with a FIN or a reset (HAProxy
// closes its checks with SO_LINGER 0): counted as connections, never as
// errors, and not logged; on a plain listener and on one that expects a
// PROXY header.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <regex>
#include <string>

#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;

// A field of the status' totals ("connections", "errors").
uint64_t total(const Daemon& daemon, const std::string& field) {
  std::optional<DaemonStatus> status = daemon_status(daemon.control_socket());
  if (!status) return UINT64_MAX;
  std::smatch match;
  std::regex pattern("\"totals\":\\{.*\"" + field + "\":([0-9]+)");
  if (!std::regex_search(status->json, match, pattern)) return UINT64_MAX;
  return std::stoull(match[1]);
}

void probe(uint16_t port, bool reset) {
  UniqueFd fd = connect_tcp(port);
  if (reset) {
    linger abort{1, 0};
    setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &abort, sizeof(abort));
  }
}

class Probes : public testing::TestWithParam<std::string> {};

INSTANTIATE_TEST_SUITE_P(Listeners, Probes, testing::Values("plain", "proxy"));

TEST_P(Probes, AreCountedNotLoggedAsErrors) {
  uint16_t port = free_port();
  std::string extra = GetParam() == "proxy" ? "proxy_protocol = \"v2\"\n" : "";
  Daemon daemon("[daemon]\nworkers = 1\n" + tcp_listener("tcp", port, extra));
  for (int i = 0; i < 3; ++i) probe(port, /*reset=*/false);
  for (int i = 0; i < 3; ++i) probe(port, /*reset=*/true);
  // The FIN probes reach the worker (a reset one may die in the kernel's queue).
  ASSERT_TRUE(wait_until([&] { return total(daemon, "connections") >= 3; }, 5s)) << daemon.log();
  EXPECT_EQ(total(daemon, "errors"), 0u);
  EXPECT_EQ(daemon.log().find(" warning: "), std::string::npos) << daemon.log();
  EXPECT_EQ(daemon.log().find(" error: "), std::string::npos) << daemon.log();
}

}  // namespace
}  // namespace ackd::test
