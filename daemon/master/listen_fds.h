// Sockets handed to ackd at exec: by systemd (socket activation) or by the
// previous master during a binary upgrade. The sd_listen_fds(3) protocol,
// natively (LISTEN_PID, LISTEN_PIDFDID, LISTEN_FDS, LISTEN_FDNAMES; fds
// from 3), so it works
// with or without libsystemd; sockets are matched to listeners by name.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/unique_fd.h"
#include "daemon/config/config.h"
#include "daemon/listener.h"

namespace ackd {

struct PassedSocket {
  UniqueFd fd;
  std::string name;  // "" when the sender gave none
};

// The sd_listen_fds(3) variables as found in the environment (nullptr: unset).
struct ListenEnvironment {
  const char* pid = nullptr;      // LISTEN_PID
  const char* fds = nullptr;      // LISTEN_FDS
  const char* fdnames = nullptr;  // LISTEN_FDNAMES
  // systemd 258 and later: the inode number of the pidfd of the process the
  // sockets are for, which names it even after its pid was reused.
  const char* pidfdid = nullptr;  // LISTEN_PIDFDID
};

// What they say: `count` sockets from fd 3 on, with their names ("" for an
// unnamed one: LISTEN_FDNAMES unset, or systemd's "unknown").
struct ListenFds {
  int count = 0;
  std::vector<std::string> names;
};

// Reads the variables as sd_listen_fds_with_names(3) does, and as strictly:
// nothing for us (count 0) when LISTEN_PID or LISTEN_FDS is unset or
// LISTEN_PID names another process, or LISTEN_PIDFDID another pidfd than
// `self_pidfd_id` (unchecked when that is nullopt: a kernel without pidfs,
// where systemd sets no LISTEN_PIDFDID either); a malformed value (not plain decimal,
// out of range, a name count unlike LISTEN_FDS, a name that is not printable
// ASCII of at most 255 characters) throws std::invalid_argument with one
// line naming the variable and its value. Pure: reads no environment.
ListenFds parse_listen_environment(const ListenEnvironment& environment, pid_t self,
                                   std::optional<uint64_t> self_pidfd_id = std::nullopt);

// Takes the sockets passed to this process (empty if none) and unsets the
// variables, so no child sees them. Every fd becomes CLOEXEC. Call it before
// opening any fd: a LISTEN_FDS larger than what was passed must find fd 3,
// 4, ... closed, not take one of ours for a passed socket. Throws
// std::invalid_argument for a malformed environment, std::runtime_error for
// a passed fd that is not open.
std::vector<PassedSocket> take_passed_sockets();

// Makes a Listener of the passed socket named like `config`, checking its
// family and type against the protocol; nullopt if none is named so.
// Throws std::runtime_error on a mismatch.
std::optional<Listener> adopt_passed_socket(std::vector<PassedSocket>& passed,
                                            const ListenerConfig& config, bool owns_path);

// Takes the descriptor passed under `name` (a name only ackd gives: see
// upgrade.h); an invalid UniqueFd if there is none.
UniqueFd take_passed_fd(std::vector<PassedSocket>& passed, std::string_view name);

// Throws if a passed socket is left that no listener took.
void reject_unclaimed(const std::vector<PassedSocket>& passed);

// In a forked child about to exec: moves `fds` to 3, 4, ... (without
// CLOEXEC) and sets LISTEN_FDS / LISTEN_FDNAMES / LISTEN_PID for it.
// Throws std::system_error if an fd cannot be moved.
void pass_sockets_to_exec(const std::vector<int>& fds, const std::vector<std::string>& names);

}  // namespace ackd
