// ConnectionOwner: what a StreamConnection needs from the set that owns it
// (ConnectionSet): the process's event loop, recorder, limits, clock and
// read buffer, and where to report that it closed, failed, or has released
// replies to flush. An interface of its own, so that a connection and its
// set do not include each other.
#pragma once

#include <chrono>
#include <cstddef>
#include <span>
#include <system_error>

#include "common/socket_address.h"
#include "common/steady_time.h"
#include "daemon/event_loop.h"
#include "daemon/record/recorder.h"
#include "daemon/serve/served_listener.h"

namespace ackd {

class StreamConnection;

struct ConnectionLimits {
  std::chrono::milliseconds linger = std::chrono::seconds(5);
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
  std::chrono::milliseconds message_timeout = std::chrono::seconds(10);
  size_t max_pending_output = size_t{256} * 1024;  // stop reading while more is unsent
};

class ConnectionOwner {
 public:
  EventLoop& loop() const { return loop_; }
  Recorder& recorder() const { return recorder_; }
  const ConnectionLimits& limits() const { return limits_; }
  // The loop's clock, read once per iteration (cheaper than per read).
  SteadyTime now() const { return now_; }
  // True when no other process holds these sockets (a worker), so closing
  // one also removes it from the epoll set. A connection process shares its
  // socket with the dispatcher for a moment and must remove it explicitly.
  bool fds_private() const { return fds_private_; }

  // Every read lands here and is framed before the call returns, so one
  // buffer serves every connection of the (single-threaded) process. In
  // .bss: a fork-mode connection process gets fresh zero pages for the
  // bytes it reads, instead of copies of heap pages shared with its
  // dispatcher.
  static std::span<char> read_buffer() {
    static char buffer[64 * 1024];
    return buffer;
  }

  // Counts `connection` as one of `source`'s, now that its stream has
  // opened and named it (behind a PROXY header: max_connections_per_source);
  // false, uncounted, when the source already holds `limit` connections.
  virtual bool count_source(StreamConnection& connection, const SocketAddress& source,
                            unsigned limit) = 0;
  virtual void closed(StreamConnection* connection) = 0;
  // A connection that cannot go on for want of a resource (epoll_ctl out of
  // watches or memory) closes itself: it is counted as an error, and
  // logged at a bounded rate.
  virtual void failed(const ServedListener& listener, const std::system_error& error) = 0;
  // A connection whose held replies were released (see ReplyGate): flushed
  // once, after the loop turn's commit.
  virtual void queue_flush(StreamConnection* connection) = 0;

 protected:
  ConnectionOwner(EventLoop& loop, Recorder& recorder, ConnectionLimits limits)
      : loop_(loop), recorder_(recorder), limits_(limits) {}
  ~ConnectionOwner() = default;

  EventLoop& loop_;
  Recorder& recorder_;
  ConnectionLimits limits_;
  SteadyTime now_ = std::chrono::steady_clock::now();
  bool fds_private_ = false;
};

}  // namespace ackd
