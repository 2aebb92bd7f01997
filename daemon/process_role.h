// What a process of ackd is for, as the scoreboard, the status and the
// metrics name it: the processes that serve clients (prefork workers, fork
// mode's dispatchers) and the master's auxiliary processes (the metrics
// exporter; more to come). A new role is a new enumerator and its name.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ackd {

enum class ProcessRole : uint8_t { kWorker, kDispatcher, kMetrics };

// The scoreboard keeps counters for this many roles: room for new ones
// without changing its layout.
inline constexpr size_t kMaxRoles = 8;
inline constexpr size_t kRoleCount = 3;

// "worker", "dispatcher", "metrics": the label value in the metrics.
const char* to_string(ProcessRole role);
// Workers and dispatchers: the processes that hold client connections.
bool serves_clients(ProcessRole role);

}  // namespace ackd
