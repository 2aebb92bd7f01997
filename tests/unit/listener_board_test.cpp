#include "daemon/listener_board.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace ackd {
namespace {

TEST(ListenerBoard, ARowPerNameClaimedOnceAndFoundAfter) {
  auto board = std::make_unique<ListenerBoard>();
  std::optional<size_t> a = board->row_for("a");
  std::optional<size_t> b = board->row_for("b");
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(board->row_for("a"), a);
  for (size_t i = 2; i < kListenerRows; ++i) ASSERT_TRUE(board->row_for("l" + std::to_string(i)));
  EXPECT_FALSE(board->row_for("one too many"));
  EXPECT_EQ(board->row_for("b"), b);  // the full board still finds its names
}

TEST(ListenerBoard, AddingATallyZeroesIt) {
  auto board = std::make_unique<ListenerBoard>();
  size_t row = *board->row_for("tcp");
  ListenerCounts tally;
  tally.messages = 3;
  tally.received_bytes = 12;
  tally.observe_latency(2000, 3);  // 2 us: the first bucket
  tally.count_refusal(Refusal::kDeny);
  board->add(row, tally);
  EXPECT_TRUE(tally.empty());
  tally.messages = 2;
  tally.count_refusal(Refusal::kTlsClient);
  tally.count_refusal(Refusal::kDeny);
  EXPECT_FALSE(tally.empty()) << "a tally of refusals only is published too";
  tally.observe_latency(3'000'000'000, 1);  // 3 s: le 5
  board->add(row, tally);
  int seen = 0;
  board->for_each([&](const std::string& name, const ListenerCounts& c) {
    ++seen;
    EXPECT_EQ(name, "tcp");
    EXPECT_EQ(c.messages, 5u);
    EXPECT_EQ(c.received_bytes, 12u);
    EXPECT_EQ(c.latency[0], 3u);
    EXPECT_EQ(c.latency_count(), 4u);
    EXPECT_EQ(c.latency_sum_ns, 3'000'006'000u);
    EXPECT_EQ(c.refused[index_of(Refusal::kDeny)], 2u);
    EXPECT_EQ(c.refused[index_of(Refusal::kTlsClient)], 1u);
    EXPECT_EQ(c.refused[index_of(Refusal::kAllow)], 0u);
  });
  EXPECT_EQ(seen, 1);
}

// A latency on a bound goes in that bound's bucket (Prometheus's `le`);
// past the last bound, in the last bucket.
TEST(ListenerBoard, LatencyBucketsAreUpperBoundsInclusive) {
  ListenerCounts c;
  c.observe_latency(1'000'000, 1);  // exactly 1 ms
  size_t one_ms = 0;
  while (kLatencyBounds[one_ms] != 0.001) ++one_ms;
  EXPECT_EQ(c.latency[one_ms], 1u);
  c.observe_latency(60'000'000'000, 2);  // a minute
  EXPECT_EQ(c.latency[kLatencyBuckets - 1], 2u);
  c.observe_latency(5, 0);  // no reply: nothing
  EXPECT_EQ(c.latency_count(), 3u);
}

}  // namespace
}  // namespace ackd
