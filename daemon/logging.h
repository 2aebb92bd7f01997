// Logging setup. Every process (master, each worker, each forked connection)
// makes its own loggers after fork: spdlog is not fork-safe. Lines go to
// stderr, prefixed with time, pid and role.
#pragma once

#include <string>

namespace ackd {

// Replaces the default logger; `role` is "master", "worker 2", ...
void init_logging(const std::string& role, const std::string& level);

}  // namespace ackd
