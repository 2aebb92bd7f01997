// Privileges: the master resolves `user`/`group` at start (so a typo fails
// the start, not every worker), and each worker drops to them after fork.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "daemon/config/config.h"

namespace ackd {

struct Credentials {
  std::string user;
  uid_t uid = 0;
  gid_t gid = 0;
};

// The credentials workers must take, or nullopt to keep the current ones
// (not root). As root with no `user`, workers run as "nobody": a worker
// runs as root only if the config says user = "root". Throws
// std::runtime_error for an unknown user or group.
std::optional<Credentials> resolve_credentials(const DaemonConfig& daemon);

// setgroups/initgroups, setgid, setuid, then checks root cannot be regained.
// Throws std::system_error.
void drop_privileges(const Credentials& credentials);

}  // namespace ackd
