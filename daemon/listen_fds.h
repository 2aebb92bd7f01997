// Sockets handed to ackd at exec: by systemd (socket activation) or by the
// previous master during a binary upgrade. The sd_listen_fds(3) protocol,
// natively (LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES; fds from 3), so it works
// with or without libsystemd; sockets are matched to listeners by name.
#pragma once

#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "daemon/config.h"
#include "daemon/listener.h"

namespace ackd {

struct PassedSocket {
  UniqueFd fd;
  std::string name;  // "" when the sender gave none
};

// Takes the sockets passed to this process (empty if none) and unsets the
// variables, so no child sees them. Every fd becomes CLOEXEC.
std::vector<PassedSocket> take_passed_sockets();

// Makes a Listener of the passed socket named like `config`, checking its
// family and type against the protocol; nullopt if none is named so.
// Throws std::runtime_error on a mismatch.
std::optional<Listener> adopt_passed_socket(std::vector<PassedSocket>& passed,
                                            const ListenerConfig& config, bool owns_path);

// Throws if a passed socket is left that no listener took.
void reject_unclaimed(const std::vector<PassedSocket>& passed);

// In a forked child about to exec: moves `fds` to 3, 4, ... (without
// CLOEXEC) and sets LISTEN_FDS / LISTEN_FDNAMES / LISTEN_PID for it.
void pass_sockets_to_exec(const std::vector<int>& fds, const std::vector<std::string>& names);

}  // namespace ackd
