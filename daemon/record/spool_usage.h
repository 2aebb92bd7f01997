// What the spool holds, read from its directory: the bytes and the number
// of its segment files. No lock and no record is read, so a reader never
// waits on a writer; no link is followed (the master reads it as root).
// The metrics exporter reads it at each scrape, the master for `ackctl
// status`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace ackd {

struct SpoolUsage {
  uint64_t bytes = 0;
  uint64_t segments = 0;
};

// Throws std::system_error if the directory cannot be read.
SpoolUsage read_spool_usage(const std::string& directory);
// The same, or nullopt if it cannot be read: logged, once per 10 s at most.
std::optional<SpoolUsage> spool_usage_or_warn(const std::string& directory);

}  // namespace ackd
