// Listener: a bound, listening socket for one [[listener]] of the config.
// The master opens every listener before it forks; workers inherit them.
// Failures throw std::system_error naming the call and the listener, e.g.
// "bind(tcp 127.0.0.1:51717): Address already in use".
#pragma once

#include <sys/types.h>

#include <memory>
#include <vector>

#include "common/socket_address.h"
#include "common/unique_fd.h"
#include "daemon/access/source_rates.h"
#include "daemon/config/config.h"
#include "daemon/safe_path.h"
#include "daemon/socket_diag.h"

namespace ackd {

struct Listener {
  ListenerConfig config;
  UniqueFd fd;
  SocketAddress bound;     // the address actually bound
  bool owns_path = false;  // we created the unix socket file (we remove it)
  FileIdentity file{};     // which file the unix socket is bound to: we never
                           // chmod or unlink another
  // Per-source message buckets, shared by every process that serves the
  // listener: mapped here, in the master, before any fork.
  std::shared_ptr<SourceRates> rates = std::make_shared<SourceRates>();

  std::string describe() const { return config.describe(); }
};

// Binds and (for streams) listens. A stale unix socket file left by a dead
// daemon is replaced; one that a live daemon answers on is an error. A unix
// socket file gets the listener's group, or `default_group` if it names
// none (see unix_socket_file.h).
Listener open_listener(const ListenerConfig& config, gid_t default_group = kUnchangedGid);

// Sets TCP_DEFER_ACCEPT from the config (tcp only): a worker is woken for a
// connection once its message is there, and a client that connects and
// says nothing holds no connection slot until the timeout. Applied to
// sockets passed by systemd or an old master too, so the config decides.
void apply_defer_accept(const Listener& listener);

// Removes the unix socket file if this process created it and it is still ours.
void remove_socket_file(const Listener& listener);

}  // namespace ackd
