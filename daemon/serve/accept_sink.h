// AcceptSink: where a worker's accepted stream connections are served: in
// its own event loop (LocalSink, prefork) or each in a process of its own
// (ForkingSink, fork mode). It is all that tells a prefork worker from a
// fork-mode dispatcher: the WorkerLoop asks it, never a flag.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/socket_address.h"
#include "common/unique_fd.h"
#include "daemon/serve/served_listener.h"

namespace ackd {

class AcceptSink {
 public:
  virtual void accepted(UniqueFd fd, const SocketAddress& peer, const ServedListener& listener) = 0;
  // At its limit: the acceptors pause, and new clients wait in the backlog.
  virtual bool full() const = 0;
  // Connections from `source` (its IP, any port) served now by this sink:
  // for max_connections_per_source.
  virtual size_t open_from(const SocketAddress& source) const = 0;

  // Connections served in other processes: open now, and handed off in all.
  virtual size_t open_elsewhere() const = 0;
  virtual uint64_t handed_off() const = 0;
  // Nothing left to serve elsewhere, nor to store of what was served there:
  // a stopping worker may exit.
  virtual bool idle() const = 0;
  // Once per loop turn, after the turn's records were committed.
  virtual void after_commit() = 0;
  // A child process ended (SIGCHLD).
  virtual void reap() = 0;
  // Passes a signal on to the processes serving connections elsewhere:
  // TERM or KILL at a stop, USR1 to reopen the log file.
  virtual void pass_signal(int signo) = 0;

 protected:
  ~AcceptSink() = default;
};

}  // namespace ackd
