// The choice of bench's address. Unlike the other unit tests it opens
// sockets (127.0.0.1, kernel-chosen ports): the choice is a real connect.
#include "client/bench_runner.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "common/syscall.h"
#include "common/unique_fd.h"

namespace ackd::client {
namespace {

// A TCP socket bound to 127.0.0.1 on a port the kernel picks: with `listen`
// it accepts connections, without it every connection to it is refused.
struct LoopbackPort {
  explicit LoopbackPort(bool listen) : fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    if (!fd) throw_errno("socket", "");
    auto* in = reinterpret_cast<sockaddr_in*>(&address.storage);
    in->sin_family = AF_INET;
    in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.length = sizeof(sockaddr_in);
    if (::bind(fd.get(), address.get(), address.length) != 0) throw_errno("bind", "loopback");
    if (listen && ::listen(fd.get(), 4) != 0) throw_errno("listen", "");
    if (::getsockname(fd.get(), address.get(), &address.length) != 0) {
      throw_errno("getsockname", "");
    }
  }
  UniqueFd fd;
  SocketAddress address;
};

BenchPlan plan_of(BenchPattern pattern) {
  BenchPlan plan;
  plan.pattern = pattern;
  plan.timeout = std::chrono::seconds(2);
  return plan;
}

// A name may resolve to ::1 then 127.0.0.1 with the server on one only: as
// send does, a stream bench runs against the first address that accepts.
TEST(AckctlBenchRunnerTest, StreamModesTakeTheFirstAddressThatAccepts) {
  LoopbackPort refused(false), server(true);
  for (BenchPattern pattern : {BenchPattern::kKeepAlive, BenchPattern::kConnection}) {
    SocketAddress chosen = bench_address(plan_of(pattern), {refused.address, server.address});
    EXPECT_EQ(chosen.to_string(), server.address.to_string());
  }
}

TEST(AckctlBenchRunnerTest, FirstAddressWhenNoneAcceptsOrForDatagrams) {
  LoopbackPort refused(false), also_refused(false), server(true);
  SocketAddress chosen =
      bench_address(plan_of(BenchPattern::kKeepAlive), {refused.address, also_refused.address});
  EXPECT_EQ(chosen.to_string(), refused.address.to_string());  // the run counts the refusals
  chosen = bench_address(plan_of(BenchPattern::kDatagram), {refused.address, server.address});
  EXPECT_EQ(chosen.to_string(), refused.address.to_string());
}

}  // namespace
}  // namespace ackd::client
