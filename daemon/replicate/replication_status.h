// What `ackctl status` shows of replication, per process that replicates
// (a worker, a dispatcher, the forwarder): read from its scoreboard entry
// by the master, rendered as a text table or JSON fields.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/replicate/replication_board.h"

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

ReplicationRow read_replication_board(pid_t pid, const ReplicationBoard& board);
// A table of the processes that replicate ("" if none does).
std::string render_replication_text(const std::vector<ReplicationRow>& rows);
// `,"replication":[{...}]`, or "" if no process replicates.
std::string render_replication_json(const std::vector<ReplicationRow>& rows);

}  // namespace ackd
