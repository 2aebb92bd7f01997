// PidFile: the master's pid in a file, written atomically (a temporary file
// renamed into place), locked with flock for as long as the master lives,
// and removed on exit. A second ackd on the same pidfile refuses to start.
#pragma once

#include <sys/types.h>

#include <string>

#include "common/unique_fd.h"

namespace ackd {

class PidFile {
 public:
  // Throws std::runtime_error ("ackd is already running (pid N): pidfile X
  // is locked"), unless the holder is `predecessor` (a binary upgrade).
  explicit PidFile(std::string path, pid_t predecessor = 0);
  ~PidFile();
  PidFile(const PidFile&) = delete;
  PidFile& operator=(const PidFile&) = delete;
  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }
  // False once another process has replaced (or removed) the file.
  bool in_place() const;

 private:
  std::string path_;
  UniqueFd fd_;  // holds the lock
};

}  // namespace ackd
