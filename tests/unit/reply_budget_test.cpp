#include "daemon/serve/reply_budget.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace ackd {
namespace {

using namespace std::chrono_literals;
using SteadyTime = SteadyTime;
constexpr size_t kAck = 19;  // "I got your message\n"

SocketAddress address(const std::string& ip, uint16_t port = 4000) {
  SocketAddress a;
  if (ip.find(':') == std::string::npos) {
    auto* in = reinterpret_cast<sockaddr_in*>(&a.storage);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    inet_pton(AF_INET, ip.c_str(), &in->sin_addr);
    a.length = sizeof(sockaddr_in);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    inet_pton(AF_INET6, ip.c_str(), &in6->sin6_addr);
    a.length = sizeof(sockaddr_in6);
  }
  return a;
}

// A fake clock: tests move time by hand.
struct FakeClock {
  SteadyTime now = SteadyTime{} + 1h;
  void advance(std::chrono::milliseconds d) { now += d; }
};

// Bytes of acks allowed for `count` one-byte datagrams from `source`.
size_t replies_allowed(ReplyBudget& budget, const SocketAddress& source, int count, uint64_t burst,
                       SteadyTime now) {
  size_t sent = 0;
  for (int i = 0; i < count; ++i) {
    if (budget.allow(source, 1, kAck, burst, now)) sent += kAck;
  }
  return sent;
}

TEST(ReplyBudget, RepliesAreBoundedByBytesReceivedPlusBurst) {
  ReplyBudget budget;
  FakeClock clock;
  SocketAddress source = address("192.0.2.1");
  size_t sent = replies_allowed(budget, source, 1000, 400, clock.now);
  EXPECT_LE(sent, 1000u + 400u);
  EXPECT_GT(sent, 1000u + 400u - kAck) << "the budget is not used up";
  EXPECT_TRUE(budget.allow(source, 100, kAck, 400, clock.now)) << "received bytes add budget";
}

TEST(ReplyBudget, FirstRepliesFitTheBurst) {
  ReplyBudget budget;
  FakeClock clock;
  SocketAddress source = address("192.0.2.1");
  EXPECT_EQ(replies_allowed(budget, source, 20, 400, clock.now), 20 * kAck);
  EXPECT_FALSE(budget.allow(source, 0, 1000, 400, clock.now));
}

TEST(ReplyBudget, ZeroBurstNeverAnswersMoreThanReceived) {
  ReplyBudget budget;
  FakeClock clock;
  SocketAddress source = address("192.0.2.1");
  EXPECT_FALSE(budget.allow(source, 18, kAck, 0, clock.now));
  EXPECT_TRUE(budget.allow(source, 1, kAck, 0, clock.now)) << "19 bytes received in all";
  EXPECT_FALSE(budget.allow(source, 18, kAck, 0, clock.now));
}

// Spoofers vary the port: the budget is the address's.
TEST(ReplyBudget, PortsOfOneAddressShareItsBudget) {
  ReplyBudget budget;
  FakeClock clock;
  size_t sent = 0;
  for (uint16_t port = 1; port <= 1000; ++port) {
    if (budget.allow(address("192.0.2.1", port), 1, kAck, 400, clock.now)) sent += kAck;
  }
  EXPECT_LE(sent, 1000u + 400u);
}

TEST(ReplyBudget, Ipv4AndItsMappedIpv6AreOneSource) {
  ReplyBudget budget;
  EXPECT_EQ(budget.slot_of(address("192.0.2.1")), budget.slot_of(address("::ffff:192.0.2.1")));
}

TEST(ReplyBudget, SourcesHaveBudgetsOfTheirOwn) {
  ReplyBudget budget;
  FakeClock clock;
  SocketAddress a = address("192.0.2.1"), b = address("2001:db8::1");
  ASSERT_NE(budget.slot_of(a), budget.slot_of(b)) << "these two collide: pick others";
  replies_allowed(budget, a, 1000, 400, clock.now);
  EXPECT_EQ(replies_allowed(budget, b, 20, 400, clock.now), 20 * kAck) << "a's use cut b's";
}

// A window ends a full window after its start, not before.
TEST(ReplyBudget, NewWindowBringsANewBurst) {
  ReplyBudget budget(ReplyBudget::kDefaultSlots, 10s);
  FakeClock clock;
  SocketAddress source = address("192.0.2.1");
  replies_allowed(budget, source, 1000, 400, clock.now);
  clock.advance(9900ms);
  EXPECT_FALSE(budget.allow(source, 0, kAck, 400, clock.now)) << "the window ended early";
  clock.advance(400ms);
  EXPECT_TRUE(budget.allow(source, 0, kAck, 400, clock.now)) << "the window never ended";
}

// Workers read the clock at different moments: one that read it a little
// earlier than the worker that started the window is still in it.
TEST(ReplyBudget, EarlierClockReadingIsTheSameWindow) {
  ReplyBudget budget(ReplyBudget::kDefaultSlots, 10s);
  FakeClock clock;
  SocketAddress source = address("192.0.2.1");
  replies_allowed(budget, source, 1000, 400, clock.now + 1s);
  EXPECT_FALSE(budget.allow(source, 0, kAck, 400, clock.now)) << "a new window began";
}

// Window starts are kept modulo a period: a slot left unused for most of it
// (300 days of 10 s windows) must start afresh, not look current.
TEST(ReplyBudget, LongUnusedSlotStartsANewWindow) {
  ReplyBudget budget(ReplyBudget::kDefaultSlots, 10s);
  FakeClock clock;
  SocketAddress source = address("192.0.2.1");
  replies_allowed(budget, source, 1000, 400, clock.now);
  clock.advance(std::chrono::hours(24 * 300));
  EXPECT_TRUE(budget.allow(source, 0, kAck, 400, clock.now));
}

// Sources whose addresses fall in one slot share one budget: together they
// never get more than they sent plus one burst.
TEST(ReplyBudget, CollidingSourcesShareOneBudget) {
  ReplyBudget budget(/*slots=*/1);
  FakeClock clock;
  size_t sent = 0;
  for (int i = 0; i < 1000; ++i) {
    std::string ip = "192.0.2." + std::to_string(i % 250);
    if (budget.allow(address(ip), 1, kAck, 400, clock.now)) sent += kAck;
  }
  EXPECT_LE(sent, 1000u + 400u);
}

// The table's size is fixed: a flood of new sources neither grows it nor
// forgets a budget already spent (the old table was cleared when full).
TEST(ReplyBudget, FloodOfSourcesDoesNotRefillASpentBudget) {
  ReplyBudget budget;
  FakeClock clock;
  SocketAddress victim = address("198.51.100.7");
  replies_allowed(budget, victim, 1000, 400, clock.now);
  for (uint32_t i = 0; i < 100000; ++i) {
    SocketAddress spoofed = address("10.0.0.0");
    auto* in = reinterpret_cast<sockaddr_in*>(&spoofed.storage);
    in->sin_addr.s_addr = htonl(0x0A000000 + i);
    budget.allow(spoofed, 1, kAck, 400, clock.now);
  }
  // What is left of its burst, and the byte or two the spoofed sources that
  // share its slot sent, may pay for one more ack; a new burst would pay 21.
  size_t sent = 0;
  for (int i = 0; i < 10; ++i) sent += budget.allow(victim, 0, kAck, 400, clock.now) ? kAck : 0;
  EXPECT_LE(sent, kAck) << "a spent budget was refilled";
  EXPECT_EQ(budget.slots(), ReplyBudget::kDefaultSlots);
}

// Shared memory: what one process spends, another cannot spend again.
TEST(ReplyBudget, BudgetIsSharedWithForkedProcesses) {
  ReplyBudget budget;
  FakeClock clock;
  SocketAddress source = address("192.0.2.1");
  pid_t pid = fork();
  if (pid == 0) _exit(replies_allowed(budget, source, 1000, 400, clock.now) > 0 ? 0 : 1);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_FALSE(budget.allow(source, 0, kAck, 400, clock.now)) << "the child's replies not seen";
}

// Concurrent updates (threads here, worker processes in ackd) lose none.
TEST(ReplyBudget, ConcurrentUpdatesNeverExceedTheBound) {
  ReplyBudget budget;
  FakeClock clock;
  SocketAddress source = address("192.0.2.1");
  std::atomic<size_t> sent{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] { sent += replies_allowed(budget, source, 20000, 400, clock.now); });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_LE(sent.load(), 4u * 20000u + 400u);
  EXPECT_GT(sent.load(), 4u * 20000u + 400u - 4 * kAck);
}

// No lock: a process killed in the middle of its updates wedges nobody.
TEST(ReplyBudget, ProcessKilledMidUpdateLeavesTheTableUsable) {
  ReplyBudget budget(/*slots=*/1);
  FakeClock clock;
  pid_t pid = fork();
  if (pid == 0) {
    while (true) budget.allow(address("192.0.2.1"), 1, kAck, 400, clock.now);
  }
  // Let it run a moment, then kill it wherever it is.
  for (int i = 0; i < 1000; ++i) budget.allow(address("192.0.2.2"), 1, kAck, 400, clock.now);
  kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  clock.advance(11s);
  EXPECT_TRUE(budget.allow(address("192.0.2.2"), 1, kAck, 400, clock.now));
}

}  // namespace
}  // namespace ackd
