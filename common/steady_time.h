// One spelling of time for deadlines, timeouts and back-off: the monotonic
// clock, which wall-clock steps never move. The scoreboard keeps int64
// milliseconds instead (steady_now_ms): shared memory needs a plain atomic.
#pragma once

#include <chrono>

namespace ackd {

using SteadyClock = std::chrono::steady_clock;
using SteadyTime = SteadyClock::time_point;

}  // namespace ackd
