#include "daemon/log/log_throttle.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ackd {
namespace {

using namespace std::chrono_literals;
using SteadyTime = SteadyTime;

// A fake clock: tests move time by hand.
struct FakeClock {
  SteadyTime now = SteadyTime{} + 1h;
  void advance(std::chrono::milliseconds d) { now += d; }
};

// What each occurrence, 250 ms apart (EMFILE's retry pace), gave.
std::vector<std::string> occurrences(LogThrottle& throttle, FakeClock& clock, int count) {
  std::vector<std::string> logged;
  for (int i = 0; i < count; ++i) {
    if (auto note = throttle.admit(clock.now)) logged.push_back("logged" + *note);
    clock.advance(250ms);
  }
  return logged;
}

TEST(LogThrottle, FirstOccurrenceIsLoggedWithNoNote) {
  LogThrottle throttle(10s);
  FakeClock clock;
  EXPECT_EQ(throttle.admit(clock.now), std::optional<std::string>(""));
}

// 4 a second for 25 s: one line per 10 s, each counting those suppressed.
TEST(LogThrottle, RepeatsAreLoggedOncePerIntervalWithTheirCount) {
  LogThrottle throttle(10s);
  FakeClock clock;
  EXPECT_EQ(occurrences(throttle, clock, 100),
            (std::vector<std::string>{"logged", "logged (39 similar suppressed)",
                                      "logged (39 similar suppressed)"}));
  EXPECT_EQ(throttle.suppressed(), 19u);
}

TEST(LogThrottle, OccurrenceAfterAQuietIntervalIsLogged) {
  LogThrottle throttle(10s);
  FakeClock clock;
  ASSERT_TRUE(throttle.admit(clock.now));
  clock.advance(9999ms);
  EXPECT_FALSE(throttle.admit(clock.now));
  clock.advance(1ms);
  EXPECT_EQ(throttle.admit(clock.now), std::optional<std::string>(" (1 similar suppressed)"));
}

// The end of a run logged says how many were suppressed in it; the count
// starts again from zero.
TEST(LogThrottle, EndOfALoggedRunCarriesTheSuppressedCount) {
  LogThrottle throttle(10s);
  FakeClock clock;
  occurrences(throttle, clock, 9);
  EXPECT_EQ(throttle.end_run(), std::optional<std::string>(" (8 similar suppressed)"));
  EXPECT_EQ(throttle.suppressed(), 0u);
  EXPECT_EQ(throttle.end_run(), std::nullopt) << "the run's end was said already";
}

TEST(LogThrottle, EndOfARunWithNoSuppressionHasNoNote) {
  LogThrottle throttle(10s);
  FakeClock clock;
  ASSERT_TRUE(throttle.admit(clock.now));
  EXPECT_EQ(throttle.end_run(), std::optional<std::string>(""));
}

// A cause that comes and goes 10 times a second (accept works once, then
// EMFILE again): at most a warning and an end line per interval, and the
// suppressed ones are counted on the next warning.
TEST(LogThrottle, FlappingCauseLogsAtMostTwoLinesPerInterval) {
  LogThrottle throttle(10s);
  FakeClock clock;
  int lines = 0;
  std::string last_warning_note;
  for (int i = 0; i < 200; ++i) {  // 20 s
    if (auto note = throttle.admit(clock.now)) {
      ++lines;
      last_warning_note = *note;
    }
    clock.advance(50ms);
    if (throttle.end_run()) ++lines;
    clock.advance(50ms);
  }
  EXPECT_EQ(lines, 4);
  EXPECT_EQ(last_warning_note, " (99 similar suppressed)");
}

}  // namespace
}  // namespace ackd
