// Upgrade: the old master's side of a zero-downtime binary upgrade (USR2).
// It forks and execs the binary (possibly a new one) with the listening
// sockets passed as LISTEN_FDS, and a private NOTIFY_SOCKET on which the new
// master says READY=1. Until then the old master keeps serving; after it,
// the old master drains and exits. Both share the sockets meanwhile, so no
// client is refused.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/steady_time.h"
#include "common/unique_fd.h"
#include "daemon/listener.h"

namespace ackd {

// Set in the new master's environment: the old master's pid, and systemd's
// NOTIFY_SOCKET to restore once the old master has been told READY=1.
inline constexpr const char* kUpgradeFromVariable = "ACKD_UPGRADE_FROM";
inline constexpr const char* kOriginalNotifyVariable = "ACKD_NOTIFY_SOCKET";

// Descriptors passed beside the listeners, under names no listener can take
// (a listener's name has no '/'): the scoreboard, the [metrics] socket.
inline constexpr const char* kScoreboardFdName = "ackd/scoreboard";
inline constexpr const char* kMetricsFdName = "ackd/metrics";

struct NamedFd {
  int fd = -1;
  const char* name = "";
};

class Upgrade {
 public:
  // Throws std::system_error if the new master cannot be started.
  // `extra`: passed too, after the listeners (fds of -1 are left out).
  static std::unique_ptr<Upgrade> start(const std::string& binary,
                                        const std::vector<std::string>& argv,
                                        const std::vector<Listener>& listeners,
                                        const std::vector<NamedFd>& extra, SteadyTime deadline);

  pid_t pid() const { return pid_; }
  int fd() const { return notify_.get(); }
  SteadyTime deadline() const { return deadline_; }
  // Reads what the new master sent; true once it said READY=1 (never
  // after kill()).
  bool ready();
  // Abandons it: SIGKILLs the new master. It holds what it opened (the
  // control socket) until it is reaped, so the upgrade ends only then,
  // failed for `why`.
  void kill(std::string why);
  bool killed() const { return !killed_for_.empty(); }
  const std::string& killed_for() const { return killed_for_; }

 private:
  Upgrade(pid_t pid, UniqueFd notify, SteadyTime deadline)
      : pid_(pid), notify_(std::move(notify)), deadline_(deadline) {}

  pid_t pid_;
  UniqueFd notify_;
  SteadyTime deadline_;
  std::string killed_for_;
};

// In the new master, once it is ready: tells the old master, then points
// NOTIFY_SOCKET back at systemd's (if any). Returns the old master's pid, or 0.
pid_t finish_upgrade_handshake();

// The absolute path of the running binary, read at start (a package upgrade
// may replace the file later: USR2 then execs the new one).
std::string current_binary_path();

}  // namespace ackd
