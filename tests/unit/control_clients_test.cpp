#include "daemon/master/control_clients.h"
#include "tests/support/socket_pair.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <string>

namespace ackd {
namespace {

using namespace std::chrono_literals;
using SteadyTime = SteadyTime;

using Pair = test::SocketPair;

// ControlClients: requests answered now or later, deadlines, hangups.
struct Clients {
  ControlClients clients;
  std::vector<Pair> pairs;
  std::vector<std::string> requests;

  void add(SteadyTime now) {
    pairs.emplace_back();
    clients.add(std::move(pairs.back().server), now);
  }
  // One poll without waiting, then handle() as the master does.
  void turn(SteadyTime now) {
    std::vector<pollfd> fds;
    clients.add_poll_fds(fds);
    poll(fds.data(), fds.size(), 0);
    clients.handle(fds, now, [&](std::string_view request) -> std::optional<std::string> {
      requests.emplace_back(request);
      if (request == "reload" || request == "upgrade") return std::nullopt;
      return "answer to " + std::string(request) + "\n";
    });
  }
};

TEST(ControlClients, AnswersNowOrOnceTheOutcomeIsKnown) {
  Clients t;
  SteadyTime start{};
  t.add(start);
  t.add(start);
  t.pairs[0].client_sends("status\n");
  t.pairs[1].client_sends("reload\n");
  t.turn(start);
  EXPECT_EQ(t.requests, (std::vector<std::string>{"status", "reload"}));
  EXPECT_EQ(t.pairs[0].client_reads(), "answer to status\n");
  EXPECT_EQ(t.clients.size(), 1u);  // the reload waits, with no deadline
  EXPECT_FALSE(t.clients.next_deadline());
  t.turn(start + 1h);
  EXPECT_EQ(t.clients.size(), 1u);
  t.clients.answer_awaiting("reload", "reloaded\n", start + 1h);
  EXPECT_EQ(t.pairs[1].client_reads(), "reloaded\n");
  EXPECT_EQ(t.clients.size(), 0u);
}

// A reload and an upgrade may await their outcomes at once: each client
// gets the outcome of what it asked.
TEST(ControlClients, EachAwaitingClientGetsItsOwnOutcome) {
  Clients t;
  SteadyTime start{};
  t.add(start);
  t.add(start);
  t.add(start);
  t.pairs[0].client_sends("upgrade\n");
  t.pairs[1].client_sends("reload\n");
  t.pairs[2].client_sends("upgrade\n");
  t.turn(start);
  t.clients.answer_awaiting("reload", "reloaded\n", start);
  EXPECT_EQ(t.pairs[1].client_reads(), "reloaded\n");
  EXPECT_EQ(t.pairs[0].client_reads(), "");
  EXPECT_EQ(t.clients.size(), 2u);
  t.clients.answer_awaiting("upgrade", "upgraded\n", start);
  EXPECT_EQ(t.pairs[0].client_reads(), "upgraded\n");
  EXPECT_EQ(t.pairs[2].client_reads(), "upgraded\n");
  EXPECT_EQ(t.clients.size(), 0u);
}

TEST(ControlClients, SlowClientIsClosedAtItsDeadline) {
  Clients t;
  SteadyTime start{};
  t.add(start);
  t.pairs[0].client_sends("sta");
  t.turn(start + 999ms);
  EXPECT_EQ(t.clients.size(), 1u);
  EXPECT_EQ(t.clients.next_deadline(), start + 1s);
  t.turn(start + 1s);
  EXPECT_EQ(t.clients.size(), 0u);
  EXPECT_TRUE(t.requests.empty());
}

TEST(ControlClients, HangupWhileAwaitingClosesIt) {
  Clients t;
  t.add(SteadyTime{});
  t.pairs[0].client_sends("reload\n");
  t.turn(SteadyTime{});
  ASSERT_EQ(t.clients.size(), 1u);
  t.pairs[0].client.reset();
  t.turn(SteadyTime{});  // POLLHUP, not polled for: it must not wake the master again
  EXPECT_EQ(t.clients.size(), 0u);
}

TEST(ControlClients, BoundedNumber) {
  Clients t;
  for (size_t i = 0; i < ControlClients::kMaxClients; ++i) {
    EXPECT_FALSE(t.clients.full());
    t.add(SteadyTime{});
  }
  EXPECT_TRUE(t.clients.full());
}

}  // namespace
}  // namespace ackd
