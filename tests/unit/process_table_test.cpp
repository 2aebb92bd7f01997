#include "daemon/master/process_table.h"

#include <gtest/gtest.h>

namespace ackd {
namespace {

using namespace std::chrono_literals;

// A fake clock: tests move time by hand.
struct FakeClock {
  SteadyTime now = SteadyTime{} + 1h;
  void advance(std::chrono::milliseconds d) { now += d; }
};

class ProcessTableTest : public ::testing::Test {
 protected:
  RespawnPolicy policy{1000ms, 100ms, 1600ms};
  ProcessTable table{policy};
  FakeClock clock;
  pid_t next_pid = 100;

  // Starts every due slot; returns how many.
  size_t spawn_due() {
    auto due = table.due_slots(clock.now);
    for (size_t slot : due) table.started(slot, next_pid++, clock.now);
    return due.size();
  }
};

TEST_F(ProcessTableTest, FillsEverySlotAtOnce) {
  table.resize(3);
  EXPECT_EQ(spawn_due(), 3u);
  EXPECT_EQ(table.running(), 3u);
  EXPECT_EQ(spawn_due(), 0u);
  EXPECT_FALSE(table.next_due());
}

TEST_F(ProcessTableTest, HealthyExitIsRespawnedAtOnce) {
  table.resize(1);
  spawn_due();
  clock.advance(5s);
  auto exit = table.exited(100, clock.now);
  ASSERT_TRUE(exit);
  EXPECT_FALSE(exit->died_young);
  EXPECT_EQ(exit->respawn_delay, 0ms);
  EXPECT_EQ(spawn_due(), 1u);
}

TEST_F(ProcessTableTest, CrashLoopBacksOffExponentiallyUpToTheCap) {
  table.resize(1);
  spawn_due();
  const std::chrono::milliseconds expected[] = {100ms, 200ms, 400ms, 800ms, 1600ms, 1600ms};
  for (size_t i = 0; i < std::size(expected); ++i) {
    clock.advance(10ms);
    auto exit = table.exited(next_pid - 1, clock.now);
    ASSERT_TRUE(exit);
    EXPECT_TRUE(exit->died_young);
    EXPECT_EQ(exit->throttling_started, i == 0);
    EXPECT_EQ(exit->respawn_delay, expected[i]);
    EXPECT_EQ(spawn_due(), 0u) << "respawned before the backoff";
    ASSERT_TRUE(table.next_due());
    EXPECT_EQ(*table.next_due(), clock.now + expected[i]);
    clock.advance(expected[i]);
    EXPECT_EQ(spawn_due(), 1u);
  }
}

TEST_F(ProcessTableTest, StreakEndsWhenAWorkerStaysUp) {
  table.resize(1);
  spawn_due();
  clock.advance(10ms);
  table.exited(100, clock.now);
  clock.advance(100ms);
  spawn_due();
  EXPECT_FALSE(table.recovered(clock.now));
  clock.advance(1s);
  EXPECT_TRUE(table.recovered(clock.now));
  EXPECT_FALSE(table.recovered(clock.now));  // reported once
  EXPECT_EQ(table.crash_streak(), 0);
  clock.advance(10ms);
  auto exit = table.exited(101, clock.now);
  EXPECT_EQ(exit->respawn_delay, 0ms);  // lived longer than min_uptime: at once
}

TEST_F(ProcessTableTest, StrangersAreIgnored) {
  table.resize(1);
  spawn_due();
  EXPECT_FALSE(table.exited(4242, clock.now));
  EXPECT_EQ(table.running(), 1u);
}

TEST_F(ProcessTableTest, ShrinkingRetiresWorkers) {
  table.resize(3);
  spawn_due();
  auto retired = table.resize(1);
  EXPECT_EQ(retired, (std::vector<pid_t>{101, 102}));
  EXPECT_EQ(table.running(), 3u);              // until they exit
  EXPECT_FALSE(table.exited(101, clock.now));  // not respawned
  EXPECT_EQ(spawn_due(), 0u);
  EXPECT_EQ(table.pids(), (std::vector<pid_t>{102, 100}));
}

TEST_F(ProcessTableTest, ForkFailureIsRetriedAfterBackoff) {
  table.resize(1);
  table.failed_to_start(0, clock.now);
  EXPECT_EQ(spawn_due(), 0u);
  clock.advance(100ms);
  EXPECT_EQ(spawn_due(), 1u);
}

}  // namespace
}  // namespace ackd
