// SourceSlots: a fork-mode dispatcher's per-child slots for the sources its
// connection processes count behind a PROXY header: a source fills at most
// `limit` slots, others are not hindered, a released slot is a place
// again, and a claim in a forked child is seen by its parent.
#include "daemon/access/source_slots.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ackd {
namespace {

SocketAddress inet(const char* ip, uint16_t port) {
  SocketAddress a;
  auto* v4 = reinterpret_cast<sockaddr_in*>(a.get());
  v4->sin_family = AF_INET;
  v4->sin_port = htons(port);
  inet_pton(AF_INET, ip, &v4->sin_addr);
  a.length = sizeof(sockaddr_in);
  return a;
}

TEST(SourceSlots, ASourceFillsAtMostItsLimit) {
  SourceSlots slots(8);
  SocketAddress client = inet("203.0.113.9", 5000);
  EXPECT_TRUE(slots.claim(0, client, 2));
  EXPECT_TRUE(slots.claim(1, inet("203.0.113.9", 5001), 2));  // any port: one source
  EXPECT_FALSE(slots.claim(2, inet("203.0.113.9", 5002), 2));
  EXPECT_EQ(slots.count(client), 2u);  // the refused one left its slot empty
  EXPECT_TRUE(slots.claim(2, inet("203.0.113.10", 5000), 2));
  slots.release(0);
  EXPECT_TRUE(slots.claim(3, client, 2));
}

TEST(SourceSlots, AClaimInAChildIsSeenByItsParent) {
  SourceSlots slots(4);
  SocketAddress client = inet("198.51.100.7", 4000);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) _exit(slots.claim(1, client, 1) ? 0 : 1);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(slots.count(client), 1u);
  EXPECT_FALSE(slots.claim(0, client, 1));
  slots.release(1);  // the child is gone: its place with it
  EXPECT_TRUE(slots.claim(0, client, 1));
}

}  // namespace
}  // namespace ackd
