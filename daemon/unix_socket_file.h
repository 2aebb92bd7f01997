// The file of a unix listener, handled as STYLE.md habit 13 asks, since its
// directory may be writable by another user: the directory is resolved with
// safe_path, a stale socket left by a dead daemon is replaced, the file is
// born 0600 with the group it will keep, and its owner and mode are set on
// the very socket ackd bound: the file at the path is opened O_PATH |
// O_NOFOLLOW and must be the one the kernel says the socket is bound to
// (socket_diag.h), or nothing is changed (or removed).
#pragma once

#include <sys/types.h>

#include <string>

#include "daemon/config/config.h"
#include "daemon/socket_diag.h"

namespace ackd {

// Binds `fd` to config.path, and gives the file the listener's mode, owner
// and group (`default_group` when it names none; kUnchangedGid: leave it).
// Returns which file it is. Throws std::system_error.
FileIdentity bind_socket_file(int fd, const ListenerConfig& config, gid_t default_group);

// Gives the file `ours` at config.path its mode, owner and group again (a
// reload). Throws if the file there is not `ours`.
void apply_socket_file_attributes(const ListenerConfig& config, FileIdentity ours,
                                  gid_t default_group);

// Which file at `path` a passed socket (systemd's, the previous master's) is
// bound to; unknown if that cannot be told safely.
FileIdentity identify_socket_file(int fd, const std::string& path);

// Removes the file at `path` if it is still `ours`. Never throws.
void remove_socket_file(const std::string& path, FileIdentity ours);

}  // namespace ackd
