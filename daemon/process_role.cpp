#include "daemon/process_role.h"

namespace ackd {

const char* to_string(ProcessRole role) {
  switch (role) {
    case ProcessRole::kWorker:
      return "worker";
    case ProcessRole::kDispatcher:
      return "dispatcher";
    case ProcessRole::kMetrics:
      return "metrics";
  }
  return "?";
}

bool serves_clients(ProcessRole role) {
  return role == ProcessRole::kWorker || role == ProcessRole::kDispatcher;
}

}  // namespace ackd
