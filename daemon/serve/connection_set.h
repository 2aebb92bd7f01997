// ConnectionSet: the stream connections one process serves. Owns them,
// frees closed ones after the current loop iteration (their handler may
// still be in epoll's batch), sweeps deadlines and drains them on stop.
#pragma once

#include <memory>
#include <span>
#include <system_error>
#include <vector>

#include "common/socket_address.h"
#include "daemon/log/log_throttle.h"
#include "daemon/record/recorder.h"
#include "daemon/serve/event_loop.h"
#include "daemon/serve/stream_connection.h"

namespace ackd {

struct ConnectionLimits {
  std::chrono::milliseconds linger = std::chrono::seconds(5);
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
  std::chrono::milliseconds message_timeout = std::chrono::seconds(10);
  size_t max_pending_output = 256 * 1024;  // stop reading while more is unsent
};

class ConnectionSet {
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

  // For StreamConnection.
  EventLoop& loop() { return loop_; }
  Recorder& recorder() { return recorder_; }
  std::span<char> read_buffer();
  const ConnectionLimits& limits() const { return limits_; }
  // The loop's clock, read once per iteration (cheaper than per read).
  SteadyTime now() const { return now_; }
  void set_now(SteadyTime now) { now_ = now; }
  void closed(StreamConnection* connection);
  // A connection that cannot go on for want of a resource (epoll_ctl out of
  // watches or memory) closes itself: it is counted as an error, and
  // logged at a bounded rate.
  void failed(const ServedListener& listener, const std::system_error& error);
  // True when no other process holds these sockets (a worker), so closing
  // one also removes it from the epoll set. A connection process shares its
  // socket with the dispatcher for a moment and must remove it explicitly.
  void set_fds_private(bool fds_private) { fds_private_ = fds_private; }
  bool fds_private() const { return fds_private_; }
  // A connection whose held replies were released (see ReplyGate): flushed
  // once, after the loop turn's commit.
  void queue_flush(StreamConnection* connection) { to_flush_.push_back(connection); }
  void flush_released();
  // The recorder's stages are no longer saturated: connections read again.
  void resume_reading();

 private:
  EventLoop& loop_;
  Recorder& recorder_;
  ConnectionLimits limits_;
  std::vector<std::unique_ptr<StreamConnection>> open_;
  std::vector<std::unique_ptr<StreamConnection>> closed_;
  std::vector<StreamConnection*> to_flush_;
  bool fds_private_ = false;
  LogThrottle failure_log_;
  SteadyTime now_ = std::chrono::steady_clock::now();
};

}  // namespace ackd
