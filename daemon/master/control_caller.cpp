#include "daemon/master/control_caller.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace ackd {
namespace {

// The peer's supplementary groups (SO_PEERGROUPS, Linux 4.13).
std::optional<std::vector<gid_t>> peer_groups(int fd) {
  std::vector<gid_t> groups(64);
  socklen_t length = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
  if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &length) != 0) {
    if (errno != ERANGE) return std::nullopt;
    groups.resize(length / sizeof(gid_t));
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &length) != 0) {
      return std::nullopt;
    }
  }
  groups.resize(length / sizeof(gid_t));
  return groups;
}

}  // namespace

bool control_caller_allowed(const ControlCaller& caller, uid_t master_uid,
                            std::optional<gid_t> group) {
  if (caller.uid == 0 || caller.uid == master_uid) return true;
  if (!group) return false;
  return caller.gid == *group ||
         std::find(caller.groups.begin(), caller.groups.end(), *group) != caller.groups.end();
}

std::optional<std::string> refuse_control_caller(int fd, std::optional<gid_t> group) {
  ucred credentials{};
  socklen_t length = sizeof(credentials);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) {
    return std::string("cannot tell who you are: ") + std::strerror(errno);
  }
  std::optional<std::vector<gid_t>> groups = peer_groups(fd);
  if (!groups) return std::string("cannot tell your groups: ") + std::strerror(errno);
  ControlCaller caller{credentials.uid, credentials.gid, *groups};
  if (control_caller_allowed(caller, geteuid(), group)) return std::nullopt;
  std::string why = "permission denied: uid " + std::to_string(credentials.uid) + " is not root";
  return group ? why + " nor in group " + std::to_string(*group) : why;
}

}  // namespace ackd
