#include "daemon/metrics/exporter/spool_usage.h"

#include <sys/stat.h>

#include "common/spool_reader.h"

namespace ackd {

SpoolUsage read_spool_usage(const std::string& directory) {
  SpoolUsage usage;
  for (const std::string& segment : list_segments(directory)) {
    struct stat st {};
    if (stat(segment.c_str(), &st) != 0) continue;  // retired meanwhile
    ++usage.segments;
    usage.bytes += static_cast<uint64_t>(st.st_size);
  }
  return usage;
}

}  // namespace ackd
