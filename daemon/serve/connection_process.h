// ConnectionProcess: fork mode's child, serving the one connection its
// dispatcher accepted, until that ends. Its records go to the dispatcher
// (RelayedSpool, when it has record stages), and its counts are added to the
// dispatcher's scoreboard entry once, at exit. Cheap by design (see
// docs/performance.md): it serves what has arrived before it makes an epoll
// instance or a signal pipe, and a client served in that first read needs
// neither; it reads into the .bss buffer and leaves with _exit.
#pragma once

#include <optional>

#include "common/socket_address.h"
#include "common/steady_time.h"
#include "common/unique_fd.h"
#include "daemon/access/source_slots.h"
#include "daemon/config/config.h"
#include "daemon/record/relayed_spool.h"
#include "daemon/scoreboard.h"
#include "daemon/serve/serve_core.h"
#include "daemon/serve/served_listener.h"
#include "daemon/signals.h"

namespace ackd {

// Where the child counts its client behind a PROXY header
// (max_connections_per_source): its slot in the dispatcher's SourceSlots;
// none when `slots` is null.
struct SourceSlot {
  SourceSlots* slots = nullptr;
  size_t index = 0;
};

class ConnectionProcess final : public EventHandler {
 public:
  // spool_channel: to the dispatcher's SpoolRelay (empty: no record stage).
  ConnectionProcess(const Config& config, ScoreboardEntry& dispatcher_entry,
                    UniqueFd spool_channel);

  // Serves the connection until it ends, or until a stop has drained it.
  // Returns the exit status.
  int serve(UniqueFd fd, const SocketAddress& peer, const ServedListener& listener,
            SourceSlot slot = {});

  void handle_event(uint32_t events) override;  // the signal pipe

 private:
  void on_signals();
  void add_counts_to_dispatcher();

  const Config& config_;
  ScoreboardEntry& dispatcher_entry_;
  ServeCore core_;
  std::optional<RelayedSpool> spool_;
  std::optional<SignalPipe> signals_;  // made before the first wait
  bool signalled_ = false;
  bool stopping_ = false;
  SteadyTime stop_deadline_{};
};

// In the forked child: serves the connection, then ends the process with
// _exit, without destructors (freeing memory in a process about to end
// only copies pages it still shares with the dispatcher: a fault each).
[[noreturn]] void run_connection_process(const Config& config, ScoreboardEntry& dispatcher_entry,
                                         UniqueFd spool_channel, UniqueFd fd,
                                         const SocketAddress& peer, const ServedListener& listener,
                                         SourceSlot slot);

}  // namespace ackd
