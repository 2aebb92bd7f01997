// plan_reconciliation: on reload, a listener whose binding is unchanged keeps
// its socket (whatever else changed, its name included), others are bound
// anew, and the sockets nobody keeps are removed.
#include "daemon/master/listener_set.h"

#include <gtest/gtest.h>

namespace ackd {
namespace {

ListenerConfig tcp(const std::string& name, uint16_t port) {
  ListenerConfig config;
  config.name = name;
  config.protocol = Protocol::kTcp;
  config.address = parse_endpoint("127.0.0.1:" + std::to_string(port));
  return config;
}

ListenerConfig unix_stream(const std::string& name, const std::string& path) {
  ListenerConfig config;
  config.name = name;
  config.protocol = Protocol::kUnix;
  config.path = path;
  return config;
}

TEST(ListenerSet, UnchangedBindingsAreKept) {
  std::vector<ListenerConfig> current = {tcp("a", 1000), unix_stream("b", "/run/x")};
  std::vector<ListenerConfig> wanted = {unix_stream("b", "/run/x"), tcp("a", 1000)};
  ReconcilePlan plan = plan_reconciliation(current, wanted);
  ASSERT_EQ(plan.kept.size(), 2u);
  EXPECT_EQ(plan.kept[0], 1u);
  EXPECT_EQ(plan.kept[1], 0u);
  EXPECT_TRUE(plan.removed.empty());
}

TEST(ListenerSet, ARenamedListenerKeepsItsSocket) {
  ListenerConfig renamed = tcp("new-name", 1000);
  renamed.max_message = 10;
  ReconcilePlan plan = plan_reconciliation({tcp("a", 1000)}, {renamed});
  EXPECT_EQ(plan.kept[0], 0u);
  EXPECT_TRUE(plan.removed.empty());
}

TEST(ListenerSet, ChangedBindingsAreBoundAnewAndTheOldRemoved) {
  ListenerConfig udp = tcp("a", 1000);
  udp.protocol = Protocol::kUdp;
  std::vector<ListenerConfig> current = {tcp("a", 1000), tcp("b", 1001), unix_stream("c", "/x")};
  std::vector<ListenerConfig> wanted = {udp, tcp("b", 1002), unix_stream("c", "/y")};
  ReconcilePlan plan = plan_reconciliation(current, wanted);
  for (const auto& kept : plan.kept) EXPECT_FALSE(kept);
  EXPECT_EQ(plan.removed, (std::vector<size_t>{0, 1, 2}));
}

TEST(ListenerSet, EachCurrentSocketGoesToOneListenerAtMost) {
  ReconcilePlan plan = plan_reconciliation({tcp("a", 1000)}, {tcp("a", 1000), tcp("b", 1000)});
  EXPECT_EQ(plan.kept[0], 0u);
  EXPECT_FALSE(plan.kept[1]);
}

TEST(ListenerSet, NothingWantedRemovesEverything) {
  ReconcilePlan plan = plan_reconciliation({tcp("a", 1000), tcp("b", 1001)}, {});
  EXPECT_TRUE(plan.kept.empty());
  EXPECT_EQ(plan.removed, (std::vector<size_t>{0, 1}));
}

}  // namespace
}  // namespace ackd
