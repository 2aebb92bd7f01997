// What `ackctl status` shows of replication: its totals, the numbers the
// metrics serve as ackd_replication_* (stored, failed, in flight, the
// forwarder's lag, the processes by connection state), and per process
// that replicates (a worker, a dispatcher, the forwarder) its state,
// server and last error, read from its scoreboard entry by the master;
// rendered as text or JSON fields.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/replicate/replication_board.h"
#include "daemon/scoreboard_totals.h"

namespace ackd {

struct ReplicationRow {
  pid_t pid = 0;
  std::string state;  // "off": this process does not replicate
  std::string server;
  uint64_t in_flight = 0;
  uint64_t stored = 0;
  uint64_t failed = 0;
  uint64_t lag = 0;  // the forwarder: records spooled, not yet shipped
  std::string last_error;

  bool on() const { return state != "off" && !state.empty(); }
};

// Replication since the daemon started (stored and failed, carried across
// restarts) and now.
struct ReplicationSummary {
  uint64_t stored = 0;
  uint64_t failed = 0;
  ReplicationTotals now;
};

ReplicationSummary replication_summary(const Scoreboard& scoreboard, const ServeCounts& counts);
ReplicationRow read_replication_board(pid_t pid, const ReplicationBoard& board);
// "replication: 5 stored, 0 failed, 2 in flight, forward lag 0; connections: 2 connected\n".
std::string render_replication_summary_text(const ReplicationSummary& summary);
// `,"replication_totals":{...}`.
std::string render_replication_summary_json(const ReplicationSummary& summary);
// A table of the processes that replicate ("" if none does).
std::string render_replication_text(const std::vector<ReplicationRow>& rows);
// `,"replication":[{...}]`, or "" if no process replicates.
std::string render_replication_json(const std::vector<ReplicationRow>& rows);

}  // namespace ackd
