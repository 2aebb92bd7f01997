// Status reports: what `ackctl status` shows, rendered by the master from
// its own state and the scoreboard, as a text table or as JSON. The totals
// are the daemon's since it started (exited workers included): every
// number the metrics exporter serves, read through the same functions
// (scoreboard_totals.h), so the two never disagree.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/record/spool_status.h"
#include "daemon/replicate/replication_status.h"
#include "daemon/scoreboard_totals.h"

namespace ackd {

struct ListenerRow {
  std::string name;
  std::string protocol;
  std::string address;
};

struct WorkerRow {
  pid_t pid = 0;
  uint32_t slot = 0;
  uint32_t generation = 0;
  std::string state;
  uint64_t open_connections = 0;
  uint64_t connections = 0;
  uint64_t messages = 0;
  uint64_t replies = 0;
  uint64_t errors = 0;
  uint64_t dropped = 0;
  uint64_t refused = 0;  // by allow, deny, a per-source limit, PROXY or TLS
  int64_t heartbeat_age_ms = 0;
  uint64_t restarts = 0;
};

struct AuxProcessRow {  // an auxiliary process of the master (the metrics exporter)
  std::string role;
  pid_t pid = 0;      // 0: waiting to be respawned
  std::string state;  // as its scoreboard entry says
  int64_t heartbeat_age_ms = 0;
  uint64_t restarts = 0;
};

struct StatusSnapshot {
  std::string version;
  pid_t master_pid = 0;
  int64_t started = 0;  // unix seconds
  int64_t uptime_ms = 0;
  uint32_t generation = 0;
  std::string config_source;
  std::string mode;
  std::string state = "serving";  // or draining, upgrading, stopping (DaemonState)
  std::vector<ListenerRow> listeners;
  std::vector<WorkerRow> workers;
  std::vector<AuxProcessRow> aux;
  // Since the daemon started, across restarts, reloads and upgrades.
  ServeTotals totals;
  std::vector<RoleTotals> roles;
  uint64_t reloads_ok = 0, reloads_failed = 0, upgrades_ok = 0, upgrades_failed = 0;
  std::vector<ListenerTotals> listener_totals;
  std::optional<SpoolStatus> spool;                      // with [spool]
  std::optional<ReplicationSummary> replication_totals;  // with [replication]
  std::vector<ReplicationRow> replication;               // of the processes that replicate
};

// The snapshot's part that the scoreboard holds: totals, roles, the
// masters' reloads and upgrades, the listeners' counts.
void add_scoreboard_totals(StatusSnapshot& status, const Scoreboard& scoreboard);

std::string render_status_text(const StatusSnapshot& status);
std::string render_status_json(const StatusSnapshot& status);
// One line for systemd's STATUS=: "2 workers, 1234 replies, 0 errors, ...".
std::string status_line(const StatusSnapshot& status);

}  // namespace ackd
