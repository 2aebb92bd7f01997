#include "daemon/scoreboard_totals.h"

namespace ackd {

ServeTotals serve_totals(const Scoreboard& scoreboard) {
  ServeTotals totals;
  for (size_t i = 0; i < scoreboard.capacity(); ++i) {
    const ScoreboardEntry& e = scoreboard.entry(i);
    // Free entries too: they keep what their last process counted.
    totals.counts += read_counts(e);
    if (in_use(e)) totals.open_connections += e.open_connections.load(std::memory_order_relaxed);
  }
  return totals;
}

std::vector<ListenerTotals> listener_totals(const Scoreboard& scoreboard) {
  std::vector<ListenerTotals> listeners;
  scoreboard.listeners().for_each([&](const std::string& name, const ListenerCounts& counts) {
    listeners.push_back({name, counts});
  });
  return listeners;
}

SyncTotals sync_totals(const Scoreboard& scoreboard) {
  SyncTotals totals;
  const SpoolBoard& board = scoreboard.spool();
  for (size_t b = 0; b < kSyncBuckets; ++b) {
    totals.buckets[b] = board.syncs[b].load(std::memory_order_relaxed);
  }
  totals.sum_ns = board.sync_ns.load(std::memory_order_relaxed);
  return totals;
}

ReplicationTotals replication_totals(const Scoreboard& scoreboard) {
  ReplicationTotals totals;
  auto relaxed = std::memory_order_relaxed;
  for (size_t i = 0; i < scoreboard.capacity(); ++i) {
    const ScoreboardEntry& e = scoreboard.entry(i);
    if (!in_use(e)) continue;
    const ReplicationBoard& board = e.replication;
    auto state = static_cast<size_t>(board.state.load(relaxed));
    if (state < kLinkStates) ++totals.links[state];
    totals.in_flight += board.in_flight.load(relaxed);
    totals.forward_lag += board.forwarded_lag.load(relaxed);
  }
  return totals;
}

std::vector<RoleTotals> role_totals(const Scoreboard& scoreboard) {
  std::vector<RoleTotals> roles(kRoleCount);
  for (size_t r = 0; r < kRoleCount; ++r) {
    RoleTotals& totals = roles[r];
    totals.role = static_cast<ProcessRole>(r);
    const RoleCounters& counters = scoreboard.counters().role(totals.role);
    totals.restarts = counters.restarts.load(std::memory_order_relaxed);
    totals.throttled = counters.throttled.load(std::memory_order_relaxed);
    totals.hung_killed = counters.hung_killed.load(std::memory_order_relaxed);
  }
  for (size_t i = 0; i < scoreboard.capacity(); ++i) {
    const ScoreboardEntry& e = scoreboard.entry(i);
    auto r = static_cast<size_t>(e.role.load(std::memory_order_relaxed));
    if (in_use(e) && r < kRoleCount) ++roles[r].running;
  }
  return roles;
}

}  // namespace ackd
