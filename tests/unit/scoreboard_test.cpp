#include "daemon/scoreboard.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "daemon/scoreboard_totals.h"

namespace ackd {
namespace {

// A worker's counters as it publishes them (live), then its death.
void count(ScoreboardEntry& e, uint64_t connections, uint64_t messages, uint64_t errors) {
  e.connections.store(connections);
  e.messages.fetch_add(messages);
  e.replies.fetch_add(messages - errors);
  e.errors.fetch_add(errors);
}

TEST(Scoreboard, ClaimCarriesWhatThePreviousHolderCounted) {
  Scoreboard board(4);
  size_t first = *board.claim(ProcessRole::kWorker, 1, 0, 0);
  count(board.entry(first), 3, 10, 1);
  board.release(first);
  EXPECT_EQ(serve_totals(board).counts.messages, 10u) << "a free entry keeps its counts";
  size_t again = *board.claim(ProcessRole::kWorker, 2, 0, 0);
  ASSERT_EQ(again, first);
  ScoreboardEntry& e = board.entry(again);
  EXPECT_EQ(e.messages.load(), 0u) << "the new holder counts from zero";
  EXPECT_EQ(e.carried.messages.load(), 10u);
  count(e, 2, 5, 0);
  ServeCounts c = read_counts(e);
  EXPECT_EQ(c.connections, 5u);
  EXPECT_EQ(c.messages, 15u);
  EXPECT_EQ(c.replies, 14u);
  EXPECT_EQ(c.errors, 1u);
}

// A fork-mode connection process that outlives its dispatcher adds to the
// entry after it was released: that is carried too, not lost.
TEST(Scoreboard, LateAdditionsToAReleasedEntryAreKept) {
  Scoreboard board(2);
  size_t i = *board.claim(ProcessRole::kDispatcher, 1, 0, 0);
  count(board.entry(i), 1, 4, 0);
  board.release(i);
  board.entry(i).messages.fetch_add(3);
  board.claim(ProcessRole::kDispatcher, 2, 0, 0);
  EXPECT_EQ(serve_totals(board).counts.messages, 7u);
}

TEST(Scoreboard, TotalsAddEveryEntryButOpenConnectionsOnlyLiveOnes) {
  Scoreboard board(3);
  size_t a = *board.claim(ProcessRole::kWorker, 1, 0, 0);
  size_t b = *board.claim(ProcessRole::kWorker, 1, 1, 0);
  count(board.entry(a), 1, 2, 0);
  count(board.entry(b), 1, 3, 0);
  board.entry(a).open_connections.store(4);
  board.entry(b).open_connections.store(5);
  board.release(b);
  ServeTotals totals = serve_totals(board);
  EXPECT_EQ(totals.counts.messages, 5u);
  EXPECT_EQ(totals.open_connections, 4u);
}

// A worker's replication board says what its process stored and failed;
// once it is gone, those are carried (the next holder's board starts
// from zero), while what is in flight counts only for processes running.
TEST(Scoreboard, ReplicationTotalsAreCarriedAndInFlightIsLive) {
  Scoreboard board(3);
  size_t a = *board.claim(ProcessRole::kWorker, 1, 0, 0);
  size_t b = *board.claim(ProcessRole::kWorker, 1, 1, 0);
  for (size_t i : {a, b}) {
    ReplicationBoard& r = board.entry(i).replication;
    r.state.store(LinkState::kConnected);
    r.stored.store(100);
    r.failed.store(2);
    r.in_flight.store(5);
  }
  board.entry(b).replication.state.store(LinkState::kDisconnected);
  board.release(a);  // a dies
  ReplicationTotals now = replication_totals(board);
  EXPECT_EQ(now.in_flight, 5u);
  EXPECT_EQ(now.links[static_cast<size_t>(LinkState::kDisconnected)], 1u);
  EXPECT_EQ(now.links[static_cast<size_t>(LinkState::kConnected)], 0u);
  size_t again = *board.claim(ProcessRole::kWorker, 2, 0, 0);  // a's successor
  ASSERT_EQ(again, a);
  EXPECT_EQ(board.entry(again).replication.stored.load(), 0u);
  board.entry(again).replication.stored.store(1);
  ServeCounts totals = serve_totals(board).counts;
  EXPECT_EQ(totals.replicated, 201u);
  EXPECT_EQ(totals.replication_failed, 4u);
  EXPECT_EQ(replication_totals(board).links[static_cast<size_t>(LinkState::kOff)], 1u);
}

TEST(Scoreboard, RolesCountProcessesRunningAndTheMastersCounters) {
  Scoreboard board(4);
  board.claim(ProcessRole::kWorker, 1, 0, 0);
  board.claim(ProcessRole::kWorker, 1, 1, 0);
  board.claim(ProcessRole::kMetrics, 1, 0, 0);
  board.counters().role(ProcessRole::kWorker).restarts += 2;
  board.counters().role(ProcessRole::kMetrics).hung_killed += 1;
  std::vector<RoleTotals> roles = role_totals(board);
  ASSERT_EQ(roles.size(), kRoleCount);
  EXPECT_EQ(roles[0].role, ProcessRole::kWorker);
  EXPECT_EQ(roles[0].running, 2u);
  EXPECT_EQ(roles[0].restarts, 2u);
  EXPECT_EQ(roles[2].role, ProcessRole::kMetrics);
  EXPECT_EQ(roles[2].running, 1u);
  EXPECT_EQ(roles[2].hung_killed, 1u);
}

TEST(Scoreboard, HeldByTellsTheOwnerAndHidesEntriesBeingFilledIn) {
  Scoreboard board(2);
  size_t i = *board.claim(ProcessRole::kWorker, 1, 0, 0);
  EXPECT_TRUE(held_by(board.entry(i), getpid()));
  EXPECT_FALSE(held_by(board.entry(i), getpid() + 1));
  board.entry(1).state.store(WorkerState::kClaimed);
  EXPECT_FALSE(in_use(board.entry(1)));
  EXPECT_FALSE(board.claim(ProcessRole::kWorker, 1, 1, 0)) << "a claimed entry is taken";
}

// A binary upgrade passes the memfd: both masters then share one table,
// and what either one counts is in the other's totals.
TEST(Scoreboard, APassedScoreboardIsTheSameMemory) {
  Scoreboard old_master(4);
  size_t i = *old_master.claim(ProcessRole::kWorker, 7, 0, 0);
  count(old_master.entry(i), 1, 9, 0);
  old_master.counters().reloads_ok += 3;
  Scoreboard new_master{UniqueFd(dup(old_master.fd()))};
  EXPECT_EQ(new_master.capacity(), 4u);
  EXPECT_EQ(serve_totals(new_master).counts.messages, 9u);
  EXPECT_EQ(new_master.counters().reloads_ok.load(), 3u);
  size_t j = *new_master.claim(ProcessRole::kWorker, 1, 0, 0);
  EXPECT_NE(j, i) << "the old master's entry is in use";
  count(new_master.entry(j), 1, 1, 0);
  EXPECT_EQ(serve_totals(old_master).counts.messages, 10u);
}

TEST(Scoreboard, AScoreboardOfAnotherLayoutIsRefused) {
  UniqueFd fd(memfd_create("not-a-scoreboard", MFD_CLOEXEC));
  ASSERT_TRUE(fd);
  ASSERT_EQ(ftruncate(fd.get(), 1 << 16), 0);
  ASSERT_EQ(pwrite(fd.get(), "something else", 14, 0), 14);
  try {
    Scoreboard board{std::move(fd)};
    FAIL() << "mapped a scoreboard of another layout";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("layout unknown"), std::string::npos) << e.what();
  }
}

// The move into `carried` is seen whole: a reader that comes in the middle
// of one (the live counter taken, `carried` not yet added to) waits for its
// end, instead of returning a total that dips.
TEST(Scoreboard, AReaderWaitsForAMoveToEnd) {
  Scoreboard board(1);
  ScoreboardEntry& e = board.entry(0);
  for (int round = 0; round < 20; ++round) {
    e.carried.messages.store(10);
    e.messages.store(5);
    ASSERT_EQ(read_counts(e).messages, 15u);
    // A master in the middle of a move: 5 taken from the live counter.
    e.sequence.fetch_add(1);
    e.messages.store(0);
    std::atomic<bool> reading{false};
    uint64_t seen = 0;
    std::thread reader([&] {
      reading = true;
      // Waits as long as it takes: a loaded machine may hold the move up
      // past the daemon's 50 ms; this checks the waiting, not its bound.
      seen = read_counts(e, std::chrono::seconds(30)).messages;
    });
    while (!reading) std::this_thread::yield();
    auto hold = std::chrono::steady_clock::now() + std::chrono::milliseconds(1);
    while (std::chrono::steady_clock::now() < hold) {  // the reader comes in meanwhile
    }
    e.carried.messages.store(15);
    e.sequence.fetch_add(1);
    reader.join();
    ASSERT_EQ(seen, 15u) << "round " << round << ": a reader saw the total dip";
  }
}

// While a master claims and releases an entry over and over, the totals a
// reader sees only grow.
TEST(Scoreboard, TotalsNeverDipWhileCountersMove) {
  Scoreboard board(1);
  std::atomic<bool> done{false};
  std::thread master([&] {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
    for (int i = 0; i < 200000 && std::chrono::steady_clock::now() < end; ++i) {
      size_t entry = *board.claim(ProcessRole::kWorker, 1, 0, 0);
      board.entry(entry).messages.fetch_add(1);
      board.release(entry);
    }
    done = true;
  });
  uint64_t last = 0, reads = 0, dips = 0;
  while (!done) {
    uint64_t now = serve_totals(board).counts.messages;
    if (now < last) ++dips;
    last = std::max(last, now);
    ++reads;
  }
  master.join();
  EXPECT_EQ(dips, 0u) << "in " << reads << " reads";
}

}  // namespace
}  // namespace ackd
