// The metrics role of the master's auxiliary processes: a child that drops
// privileges to the workers' user and execs ackd-metrics, the exporter,
// with the [metrics] socket and the scoreboard. A program of its own, not
// code in the master's image: the HTTP server and its TLS library stay out
// of every process that serves clients (linked in, they doubled the cost of
// fork mode's fork per connection), and the process that parses requests
// from the network holds no copy of the root master's memory.
#pragma once

#include <optional>
#include <string>

#include "common/unique_fd.h"
#include "daemon/master/aux_processes.h"
#include "daemon/metrics/exporter_options.h"
#include "daemon/privileges.h"

namespace ackd {

// Opens the exporter binary that this master runs for as long as it lives
// (so a package upgrade never pairs it with an exporter of another build):
// ackd-metrics beside the running binary, else in ACKD_LIBEXECDIR. Throws
// std::system_error naming the path.
UniqueFd open_exporter_binary();

struct ExporterLaunch {
  int binary_fd = -1;  // open_exporter_binary()
  int listen_fd = -1;
  int scoreboard_fd = -1;
  int log_fd = -1;  // the log file, or -1 for stderr / the journal
  std::optional<Credentials> credentials;
  ExporterOptions options;  // fds and entry are set in the child
};

AuxRole metrics_role(ExporterLaunch launch);

}  // namespace ackd
