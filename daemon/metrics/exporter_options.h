// The command line of ackd-metrics, the Prometheus exporter the master
// runs as an auxiliary process: built by the master (to_argv), parsed by
// the exporter (parse_exporter_options). Not for people: the master passes
// its own settings and descriptors.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ackd {

struct ExporterOptions {
  int listen_fd = 3;      // the [metrics] socket, listening
  int scoreboard_fd = 4;  // the scoreboard's memfd
  size_t entry = 0;       // the exporter's own scoreboard entry
  pid_t master_pid = 0;
  std::vector<std::string> allow;  // address blocks; empty: anyone
  std::string spool;               // the spool directory, if any
  bool spool_fsync = false;        // ack_after = "fsync": the sync histogram is served
  bool replication = false;        // [replication]: its metrics are served
  std::string log_level = "info";
  std::string log_target = "stderr";  // stderr | journal
  uint32_t generation = 0;            // the master's
  int64_t started = 0;                // the master's start, unix seconds
  std::string mode = "prefork";

  std::vector<std::string> to_argv(const std::string& program) const;
};

// Throws std::invalid_argument naming what is wrong.
ExporterOptions parse_exporter_options(const std::vector<std::string>& argv);

}  // namespace ackd
