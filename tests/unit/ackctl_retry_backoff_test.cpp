#include "client/retry_backoff.h"

#include <gtest/gtest.h>

namespace ackd::client {
namespace {

using std::chrono::milliseconds;

struct WaitCase {
  int attempt;
  int retries;
  milliseconds remaining;
  milliseconds wait;
};

class AckctlRetryWaitTest : public testing::TestWithParam<WaitCase> {};

TEST_P(AckctlRetryWaitTest, DoublesWithinTheDeadline) {
  const WaitCase& c = GetParam();
  EXPECT_EQ(retry_wait(c.attempt, c.retries, c.remaining), c.wait);
}

INSTANTIATE_TEST_SUITE_P(
    Schedule, AckctlRetryWaitTest,
    testing::Values(WaitCase{0, 3, milliseconds(5000), milliseconds(250)},
                    WaitCase{1, 3, milliseconds(4750), milliseconds(500)},
                    WaitCase{2, 3, milliseconds(4250), milliseconds(1000)},
                    WaitCase{3, 3, milliseconds(3250),
                             milliseconds(3250)},  // last: all that is left
                    WaitCase{0, 0, milliseconds(5000), milliseconds(5000)},  // no retries
                    WaitCase{1, 3, milliseconds(100), milliseconds(100)},  // capped by the deadline
                    WaitCase{0, 3, milliseconds(0), milliseconds(0)},
                    WaitCase{60, 100, milliseconds(86'400'000), milliseconds(86'400'000)}));

}  // namespace
}  // namespace ackd::client
