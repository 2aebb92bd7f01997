// Who may use the control socket: root, the master's own user, and members
// of the daemon's group (the peer's credentials and supplementary groups, as
// the kernel reports them: SO_PEERCRED, SO_PEERGROUPS), whatever the socket
// file's mode says. Anyone else gets one ERR line and is closed.
#pragma once

#include <sys/types.h>

#include <optional>
#include <span>
#include <string>

namespace ackd {

struct ControlCaller {
  uid_t uid = 0;
  gid_t gid = 0;
  std::span<const gid_t> groups;  // supplementary
};

// The policy, pure: `group` is the daemon's group (none: root and the
// master's user only).
bool control_caller_allowed(const ControlCaller& caller, uid_t master_uid,
                            std::optional<gid_t> group);

// Reads the connected peer's credentials and checks them. On refusal, or if
// the kernel cannot say who it is, returns why (for the ERR line).
std::optional<std::string> refuse_control_caller(int fd, std::optional<gid_t> group);

}  // namespace ackd
