// SharedLogThrottle: once per interval across processes (a forked child's
// line counts for its parent), with the count of those suppressed.
#include "daemon/log/shared_log_throttle.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ackd {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(SharedLogThrottle, OncePerIntervalWithTheCountSuppressed) {
  SharedLogThrottle throttle(10s);
  Clock::time_point t0 = Clock::now();
  EXPECT_EQ(throttle.admit(t0), std::optional<std::string>(""));
  EXPECT_EQ(throttle.admit(t0 + 1s), std::nullopt);
  EXPECT_EQ(throttle.admit(t0 + 9s), std::nullopt);
  EXPECT_EQ(throttle.admit(t0 + 10s), std::optional<std::string>(" (2 similar suppressed)"));
  EXPECT_EQ(throttle.admit(t0 + 21s), std::optional<std::string>(""));
}

// As in fork mode: connection processes, each forked for one connection.
TEST(SharedLogThrottle, AForkedChildsLineCountsForEveryProcess) {
  SharedLogThrottle throttle(10s);
  Clock::time_point t0 = Clock::now();
  for (int child = 0; child < 3; ++child) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      bool logged = throttle.admit(t0 + std::chrono::seconds(child)).has_value();
      _exit(logged ? 1 : 0);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EQ(WEXITSTATUS(status), child == 0 ? 1 : 0) << "child " << child;
  }
  EXPECT_EQ(throttle.admit(t0 + 5s), std::nullopt);
  EXPECT_EQ(throttle.admit(t0 + 10s), std::optional<std::string>(" (3 similar suppressed)"));
}

}  // namespace
}  // namespace ackd
