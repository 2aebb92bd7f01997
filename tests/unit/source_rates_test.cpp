#include "daemon/access/source_rates.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "daemon/access/source_count.h"
#include "daemon/access/source_key.h"

namespace ackd {
namespace {

using namespace std::chrono_literals;
using TimePoint = SourceRates::TimePoint;

SocketAddress inet4(uint32_t host_order, uint16_t port = 1000) {
  SocketAddress address;
  auto* in = reinterpret_cast<sockaddr_in*>(&address.storage);
  in->sin_family = AF_INET;
  in->sin_port = htons(port);
  in->sin_addr.s_addr = htonl(host_order);
  address.length = sizeof(sockaddr_in);
  return address;
}

SocketAddress mapped(const char* text) {
  SocketAddress address;
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
  in6->sin6_family = AF_INET6;
  EXPECT_EQ(inet_pton(AF_INET6, text, &in6->sin6_addr), 1);
  address.length = sizeof(sockaddr_in6);
  return address;
}

const TimePoint kStart = TimePoint(100s);

int admitted(SourceRates& rates, const SocketAddress& source, int tries, uint32_t rate,
             uint32_t burst, TimePoint now) {
  int n = 0;
  for (int i = 0; i < tries; ++i) n += rates.admit(source, rate, burst, now) ? 1 : 0;
  return n;
}

TEST(SourceRates, ABurstThenTheRate) {
  SourceRates rates(64);
  SocketAddress source = inet4(0x0a000001);
  EXPECT_EQ(admitted(rates, source, 10, 2, 3, kStart), 3);  // the bucket
  EXPECT_EQ(admitted(rates, source, 10, 2, 3, kStart + 499ms), 0);
  EXPECT_EQ(admitted(rates, source, 10, 2, 3, kStart + 500ms), 1);  // 2 per second
  EXPECT_EQ(admitted(rates, source, 10, 2, 3, kStart + 1500ms), 2);
}

TEST(SourceRates, ABucketRefillsWholeAndNoMore) {
  SourceRates rates(64);
  SocketAddress source = inet4(0x0a000001);
  EXPECT_EQ(admitted(rates, source, 100, 1, 5, kStart), 5);
  // However long it was refused, it is never locked out; idle, it holds one burst.
  EXPECT_EQ(admitted(rates, source, 100, 1, 5, kStart + 1h), 5);
}

TEST(SourceRates, SourcesHaveBucketsOfTheirOwn) {
  SourceRates rates;
  SocketAddress a = inet4(0x0a000001), b = inet4(0x0a000002);
  ASSERT_NE(rates.slot_of(a), rates.slot_of(b));
  EXPECT_EQ(admitted(rates, a, 10, 1, 2, kStart), 2);
  EXPECT_EQ(admitted(rates, b, 10, 1, 2, kStart), 2);
}

TEST(SourceRates, PortsAndTheMappedFormAreOneSource) {
  SourceRates rates;
  EXPECT_EQ(rates.slot_of(inet4(0x7f000001, 1)), rates.slot_of(inet4(0x7f000001, 2)));
  EXPECT_EQ(rates.slot_of(inet4(0x7f000001)), rates.slot_of(mapped("::ffff:127.0.0.1")));
  EXPECT_EQ(admitted(rates, inet4(0x7f000001), 1, 1, 1, kStart), 1);
  EXPECT_EQ(admitted(rates, mapped("::ffff:127.0.0.1"), 1, 1, 1, kStart), 0);
}

// However many sources, the table keeps its size; sources sharing a slot
// share a bucket (never get more than one between them).
TEST(SourceRates, StateIsBoundedHoweverManySources) {
  SourceRates rates(1024);
  size_t admitted_total = 0;
  for (uint32_t i = 0; i < 100000; ++i) {
    admitted_total += rates.admit(inet4(0x0a000000 + i), 1, 1, kStart) ? 1 : 0;
  }
  EXPECT_EQ(rates.slots(), 1024u);
  EXPECT_LE(admitted_total, 1024u);  // one per slot at most
  EXPECT_GT(admitted_total, 900u);   // nearly every slot was used
}

TEST(SourceRates, ProcessesShareTheBuckets) {
  SourceRates rates(64);
  SocketAddress source = inet4(0x0a000001);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(admitted(rates, source, 10, 1, 3, kStart));
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3);
  EXPECT_EQ(admitted(rates, source, 10, 1, 3, kStart), 0) << "the child took the bucket";
}

TEST(SourceCount, CountsOpenConnectionsAndForgetsClosedSources) {
  SourceCount count;
  SourceKey a = source_key(inet4(0x0a000001, 1)), b = source_key(inet4(0x0a000002));
  count.opened(a);
  count.opened(source_key(inet4(0x0a000001, 2)));  // another port, the same source
  count.opened(b);
  EXPECT_EQ(count.count(a), 2u);
  EXPECT_EQ(count.count(b), 1u);
  EXPECT_EQ(count.sources(), 2u);
  count.closed(a);
  count.closed(a);
  count.closed(b);
  count.closed(b);  // once too often: harmless
  EXPECT_EQ(count.count(a), 0u);
  EXPECT_EQ(count.sources(), 0u) << "an entry outlived its last connection";
}

}  // namespace
}  // namespace ackd
