// ControlServer: the master's control socket (unix stream, 0600, or 0660
// for the daemon's group), listening only. It accepts without blocking, and
// only callers control_caller.h allows (others get one ERR line); the
// exchanges on the accepted connections are ControlClients'. At EMFILE it
// pauses for a while instead of waking the master in a busy loop.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "common/steady_time.h"
#include "common/unique_fd.h"
#include "daemon/listener.h"
#include "daemon/log/log_throttle.h"

namespace ackd {

class ControlServer {
 public:
  // nullptr (and, if `warn`, a warning) if the socket cannot be created:
  // status is an aid, not a reason to refuse to serve. The master tries
  // again while it has none (Supervisor::keep_control_socket).
  static std::unique_ptr<ControlServer> open(const std::string& path, const std::string& group,
                                             bool warn = true);
  ~ControlServer();

  int fd() const { return listener_.fd.get(); }
  // The fd to poll for POLLIN, or -1 while paused after an accept error.
  int poll_fd(SteadyTime now) const { return now < paused_until_ ? -1 : listener_.fd.get(); }
  // When a pause ends, if one is on.
  std::optional<SteadyTime> resume_at(SteadyTime now) const;
  // A non-blocking CLOEXEC connection, or an invalid fd if none is waiting
  // (or accept failed: then it pauses, and logs at a bounded rate).
  UniqueFd accept(SteadyTime now);

 private:
  ControlServer(Listener listener, std::optional<gid_t> group)
      : listener_(std::move(listener)), group_(group) {}
  void refuse(UniqueFd client, const std::string& why, SteadyTime now);

  Listener listener_;
  std::optional<gid_t> group_;  // whose members may ask, besides root
  LogThrottle refusals_;
  SteadyTime paused_until_{};
  SteadyTime next_warning_{};
};

}  // namespace ackd
