// MetricsEndpoint: the master's side of [metrics]. Its socket is bound by
// the master (as root, before it drops privileges, like the listeners),
// kept across a reload while the address is unchanged, closed when the
// section goes away, passed to the new master at a binary upgrade; while
// no exporter runs (a respawn, a restart), scrapers wait in its backlog.
// The exporter binary is opened once per master (metrics_process.h).
#pragma once

#include <optional>
#include <vector>

#include "common/unique_fd.h"
#include "daemon/config/metrics_config.h"
#include "daemon/listener.h"
#include "daemon/master/aux_processes.h"
#include "daemon/metrics/metrics_process.h"

namespace ackd {

class MetricsEndpoint {
 public:
  // What a reload prepares before anything changes.
  struct Plan {
    bool keep = false;  // the same address: the same socket
    std::optional<Listener> socket;
    UniqueFd binary;
  };

  // At start: the socket `passed` by the previous master (if any) or a new
  // one, and the binary. Throws std::runtime_error ("[metrics]: bind(...)").
  void open(const MetricsConfig& config, UniqueFd passed);
  // A reload: binds a new address, opens the binary if [metrics] is new.
  // Throws as open(), changing nothing.
  Plan prepare(const MetricsConfig& wanted) const;
  // After the reload's swap: the old socket closes if it is not kept.
  void swap(Plan plan);
  void close() { socket_.reset(); }

  bool enabled() const { return socket_.has_value(); }
  int socket_fd() const { return socket_ ? socket_->fd.get() : -1; }
  // The master's fds, which no other child keeps.
  std::vector<int> fds() const;
  // The exporter's role, serving on this socket with `launch`'s settings.
  AuxRole role(ExporterLaunch launch) const;

 private:
  std::optional<Listener> socket_;
  UniqueFd binary_;
};

}  // namespace ackd
