// What the spool holds, read from its directory at each scrape: the bytes
// and the number of its segment files. No lock and no record is read, so a
// scrape never waits on a writer.
#pragma once

#include <string>

#include "daemon/metrics/exporter/exposition.h"

namespace ackd {

// Throws std::system_error if the directory cannot be read.
SpoolUsage read_spool_usage(const std::string& directory);

}  // namespace ackd
