// ServedListener: what a worker holds for one listener: its socket (shared
// with the master and the other workers), its config and its service.
#pragma once

#include <memory>

#include "daemon/config/config.h"
#include "daemon/service/service.h"

namespace ackd {

struct ServedListener {
  const ListenerConfig* config = nullptr;
  int fd = -1;  // owned by the Listener the worker inherited
  std::unique_ptr<Service> service;
};

}  // namespace ackd
