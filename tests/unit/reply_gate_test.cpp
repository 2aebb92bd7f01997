// ReplyGate: a reply is released once every stage confirmed its message,
// failed as soon as one stage fails it, and never reaches a waiter that is gone.
#include "daemon/record/reply_gate.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ackd {
namespace {

struct Recording final : ReplyWaiter {
  std::vector<std::pair<Ticket, std::string>> settled_tickets;
  void settled(Ticket ticket, std::string_view error) override {
    settled_tickets.emplace_back(ticket, std::string(error));
  }
};

TEST(ReplyGate, SettlesOnceEveryStageConfirmed) {
  ReplyGate gate;
  Recording waiter;
  Ticket ticket = gate.hold(&waiter, 2);
  EXPECT_EQ(gate.held(), 1u);
  gate.confirm(ticket);
  EXPECT_TRUE(waiter.settled_tickets.empty());
  gate.confirm(ticket);
  ASSERT_EQ(waiter.settled_tickets.size(), 1u);
  EXPECT_EQ(waiter.settled_tickets[0], std::make_pair(ticket, std::string()));
  EXPECT_EQ(gate.held(), 0u);
}

TEST(ReplyGate, OneFailedStageFailsTheReplyOnce) {
  ReplyGate gate;
  Recording waiter;
  Ticket ticket = gate.hold(&waiter, 2);
  gate.fail(ticket, "not stored");
  gate.confirm(ticket);  // the other stage, later: nothing more
  ASSERT_EQ(waiter.settled_tickets.size(), 1u);
  EXPECT_EQ(waiter.settled_tickets[0].second, "not stored");
}

TEST(ReplyGate, TicketsSettleInAnyOrder) {
  ReplyGate gate;
  Recording waiter;
  Ticket first = gate.hold(&waiter, 1);
  Ticket second = gate.hold(&waiter, 1);
  Ticket third = gate.hold(&waiter, 1);
  gate.confirm(third);
  gate.confirm(first);
  gate.confirm(second);
  ASSERT_EQ(waiter.settled_tickets.size(), 3u);
  EXPECT_EQ(waiter.settled_tickets[0].first, third);
  EXPECT_EQ(waiter.settled_tickets[1].first, first);
  EXPECT_EQ(waiter.settled_tickets[2].first, second);
  EXPECT_EQ(gate.held(), 0u);
  gate.confirm(second);  // settled already: ignored
  EXPECT_EQ(waiter.settled_tickets.size(), 3u);
}

TEST(ReplyGate, AForgottenWaiterIsNotCalled) {
  ReplyGate gate;
  Recording waiter;
  Ticket ticket = gate.hold(&waiter, 1);
  gate.forget(ticket);
  EXPECT_EQ(gate.held(), 1u) << "still owed by its stage";
  gate.confirm(ticket);
  EXPECT_TRUE(waiter.settled_tickets.empty());
  EXPECT_EQ(gate.held(), 0u);
}

TEST(ReplyGate, TicketsAreNeverReused) {
  ReplyGate gate;
  Recording waiter;
  std::vector<Ticket> seen;
  for (int i = 0; i < 100; ++i) {
    Ticket ticket = gate.hold(&waiter, 1);
    EXPECT_NE(ticket, 0u);
    for (Ticket old : seen) EXPECT_NE(ticket, old);
    seen.push_back(ticket);
    gate.confirm(ticket);
  }
}

}  // namespace
}  // namespace ackd
