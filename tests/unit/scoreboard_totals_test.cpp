#include "daemon/scoreboard_totals.h"

#include <gtest/gtest.h>

namespace ackd {
namespace {

// Every listener with a row, by name, with what its processes added.
TEST(ScoreboardTotals, ListenersByName) {
  Scoreboard board(2);
  size_t a = *board.listeners().row_for("a");
  size_t b = *board.listeners().row_for("b");
  ListenerCounts tally;
  tally.messages = 3;
  tally.count_refusal(Refusal::kMessageRate);
  board.listeners().add(b, tally);
  std::vector<ListenerTotals> listeners = listener_totals(board);
  ASSERT_EQ(listeners.size(), 2u);
  EXPECT_EQ(listeners[a].name, "a");
  EXPECT_TRUE(listeners[a].counts.empty());
  EXPECT_EQ(listeners[b].name, "b");
  EXPECT_EQ(listeners[b].counts.messages, 3u);
  EXPECT_EQ(listeners[b].counts.refused[index_of(Refusal::kMessageRate)], 1u);
}

TEST(ScoreboardTotals, TheSpoolsSyncTimes) {
  Scoreboard board(2);
  board.spool().observe_sync(20'000);         // 20 us
  board.spool().observe_sync(3'000'000'000);  // 3 s: past every bound
  SyncTotals syncs = sync_totals(board);
  EXPECT_EQ(syncs.buckets[1], 1u);
  EXPECT_EQ(syncs.buckets[kSyncBuckets - 1], 1u);
  EXPECT_EQ(syncs.sum_ns, 3'000'020'000u);
}

}  // namespace
}  // namespace ackd
