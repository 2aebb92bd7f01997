// ConnectionSet: the stream connections one process serves. Owns them,
// frees closed ones after the current loop iteration (their handler may
// still be in epoll's batch), sweeps deadlines and drains them on stop.
#pragma once

#include <memory>
#include <span>
#include <system_error>
#include <vector>

#include "common/socket_address.h"
#include "common/steady_time.h"
#include "common/unique_fd.h"
#include "daemon/access/source_count.h"
#include "daemon/access/source_slots.h"
#include "daemon/event_loop.h"
#include "daemon/log/log_throttle.h"
#include "daemon/record/recorder.h"
#include "daemon/serve/connection_owner.h"
#include "daemon/serve/stream_connection.h"

namespace ackd {

class ConnectionSet final : public ConnectionOwner {
 public:
  ConnectionSet(EventLoop& loop, Recorder& recorder, ConnectionLimits limits = {});
  ~ConnectionSet();

  void open(UniqueFd fd, const SocketAddress& peer, const ServedListener& listener);
  // Graceful stop; keep_idle: see StreamConnection::begin_drain.
  void drain_all(bool keep_idle);
  void sweep(SteadyTime now);
  // Frees the connections that closed since the last call.
  void collect();
  size_t size() const { return open_.size(); }
  // Connections open from `source`'s IP, on listeners with
  // max_connections_per_source (only those are counted).
  size_t open_from(const SocketAddress& source) const { return sources_.count(source_key(source)); }
  // A fork-mode connection process: the sources its stream names once open
  // are counted in its dispatcher's slots (its own is `slot`), not here.
  void use_source_slots(SourceSlots* slots, size_t slot) {
    slots_ = slots;
    slot_ = slot;
  }

  // The loop's clock, read once per iteration (cheaper than per read).
  void set_now(SteadyTime now) { now_ = now; }
  // Workers never fork: see ConnectionOwner::fds_private.
  void set_fds_private(bool fds_private) { fds_private_ = fds_private; }
  // Flushes the connections whose held replies were released (queue_flush).
  void flush_released();
  // The recorder's stages are no longer saturated: connections read again.
  void resume_reading();

  // For StreamConnection.
  bool count_source(StreamConnection& connection, const SocketAddress& source,
                    unsigned limit) override;
  void closed(StreamConnection* connection) override;
  void failed(const ServedListener& listener, const std::system_error& error) override;
  void queue_flush(StreamConnection* connection) override { to_flush_.push_back(connection); }

 private:
  std::vector<std::unique_ptr<StreamConnection>> open_;
  std::vector<std::unique_ptr<StreamConnection>> closed_;
  std::vector<StreamConnection*> to_flush_;
  SourceCount sources_;
  SourceSlots* slots_ = nullptr;
  size_t slot_ = 0;
  LogThrottle failure_log_;
};

}  // namespace ackd
