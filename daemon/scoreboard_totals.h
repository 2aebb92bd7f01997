// What the scoreboard adds up to, for the whole daemon: serving counters
// over every entry (what exited processes counted included, so the totals
// never go backwards), processes running and the masters' counts per role,
// each listener's counts, the spool's sync times, replication's state now.
// Read by the master for `ackctl status` and by the metrics exporter: the
// one place both take their numbers from, so they never disagree.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/scoreboard.h"

namespace ackd {

struct ServeTotals {
  ServeCounts counts;             // since the daemon started, across upgrades
  uint64_t open_connections = 0;  // now
};

struct RoleTotals {
  ProcessRole role = ProcessRole::kWorker;
  uint64_t running = 0;  // processes of any master, now
  uint64_t restarts = 0;
  uint64_t throttled = 0;
  uint64_t hung_killed = 0;
};

// Replication now, over the processes running (the stored and failed
// totals, carried, are in ServeCounts).
struct ReplicationTotals {
  uint64_t in_flight = 0;            // published, not yet stored or failed
  uint64_t forward_lag = 0;          // mode = "forward": records spooled, not yet shipped
  uint64_t links[kLinkStates] = {};  // processes by LinkState (kOff: not replicating)
};

// One listener's counts since the daemon started (kept after a reload
// removed it).
struct ListenerTotals {
  std::string name;
  ListenerCounts counts;
};

// The spool's sync times since the daemon started (ack_after = "fsync").
struct SyncTotals {
  uint64_t buckets[kSyncBuckets] = {};  // per bucket of kSyncBounds, not cumulative
  uint64_t sum_ns = 0;
};

ServeTotals serve_totals(const Scoreboard& scoreboard);
// Every listener with a row on the board, in the board's order.
std::vector<ListenerTotals> listener_totals(const Scoreboard& scoreboard);
SyncTotals sync_totals(const Scoreboard& scoreboard);
ReplicationTotals replication_totals(const Scoreboard& scoreboard);
// Every role, in the order of ProcessRole.
std::vector<RoleTotals> role_totals(const Scoreboard& scoreboard);

}  // namespace ackd
