// What the scoreboard adds up to, for the whole daemon: serving counters
// over every entry (what exited processes counted included, so the totals
// never go backwards), processes running and the masters' counts per role,
// replication's state now.
// Read by the master for `ackctl status` and by the metrics exporter.
#pragma once

#include <cstdint>
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

ServeTotals serve_totals(const Scoreboard& scoreboard);
ReplicationTotals replication_totals(const Scoreboard& scoreboard);
// Every role, in the order of ProcessRole.
std::vector<RoleTotals> role_totals(const Scoreboard& scoreboard);

}  // namespace ackd
