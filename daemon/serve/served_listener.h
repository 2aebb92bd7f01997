// ServedListener: what a worker holds for one listener: its copy of the
// socket (shared with the master and the other workers), its config, its
// service, for a stream listener its transport, and its meter (counters
// for the metrics).
#pragma once

#include <memory>

#include "common/unique_fd.h"
#include "daemon/access/source_rates.h"
#include "daemon/config/config.h"
#include "daemon/serve/listener_meter.h"
#include "daemon/service/service.h"
#include "daemon/transport/stream_transport.h"

namespace ackd {

struct ServedListener {
  const ListenerConfig* config = nullptr;
  UniqueFd fd;  // this process's copy; closed when it stops serving the listener
  std::unique_ptr<Service> service;
  std::unique_ptr<StreamTransport> transport;  // stream listeners only
  SourceRates* rates = nullptr;                // the master's (Listener::rates)
  // Counted by whoever serves the listener, through a const reference too.
  mutable ListenerMeter meter;
};

}  // namespace ackd
