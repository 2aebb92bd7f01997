#include "daemon/record/spool_usage.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <chrono>
#include <exception>

#include <spdlog/spdlog.h>

#include "common/spool_reader.h"
#include "common/syscall.h"
#include "common/unique_fd.h"
#include "daemon/log/log_throttle.h"

namespace ackd {

SpoolUsage read_spool_usage(const std::string& directory) {
  UniqueFd dir(open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir) throw_errno("open", directory);
  SpoolUsage usage;
  for (const std::string& segment : list_segments(directory)) {
    std::string name = segment.substr(segment.rfind('/') + 1);
    struct stat st {};
    // Gone meanwhile (retired), or not a file: not the spool's.
    if (fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (!S_ISREG(st.st_mode)) continue;
    ++usage.segments;
    usage.bytes += static_cast<uint64_t>(st.st_size);
  }
  return usage;
}

std::optional<SpoolUsage> spool_usage_or_warn(const std::string& directory) {
  try {
    return read_spool_usage(directory);
  } catch (const std::exception& e) {
    static LogThrottle throttle;  // the process's: its loop is the only caller
    if (auto note = throttle.admit(std::chrono::steady_clock::now())) {
      spdlog::warn("spool usage unknown: {}{}", e.what(), *note);
    }
    return std::nullopt;
  }
}

}  // namespace ackd
