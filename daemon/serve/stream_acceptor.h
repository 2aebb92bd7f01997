// StreamAcceptor: accepts connections on one listening stream socket and
// hands them to an AcceptSink (served in this process, or forked off).
// Stops accepting, rather than accept-and-drop, when the sink is full or the
// process is out of file descriptors (EMFILE): the kernel backlog holds
// clients meanwhile, and there is no busy loop. Out of descriptors or epoll
// watches, it retries after a pause and warns at a bounded rate. A source
// the listener's allow/deny lists refuse is closed at once, before a byte
// is read; one over max_connections_per_source gets one ERR line first
// (behind a PROXY header, the connection judges the header's client).
#pragma once

#include <chrono>
#include <string>

#include "common/steady_time.h"
#include "daemon/event_loop.h"
#include "daemon/log/log_throttle.h"
#include "daemon/record/recorder.h"
#include "daemon/serve/accept_sink.h"
#include "daemon/serve/served_listener.h"

namespace ackd {

class StreamAcceptor final : public EventHandler {
 public:
  // recorder: where refused connections are counted.
  StreamAcceptor(EventLoop& loop, ServedListener& listener, AcceptSink& sink, Recorder& recorder);

  void handle_event(uint32_t events) override;
  void pause();
  // Resumes unless closed, or paused for want of a resource (EMFILE, epoll
  // watches) less than a backoff ago.
  void resume_if_due(SteadyTime now);
  bool paused() const { return paused_; }
  // Stops for good and closes this process's copy of the socket.
  void close();

 private:
  void back_off(SteadyTime now, const std::string& trouble);
  // Closes `fd` if the listener's access policy or per-source connection
  // limit refuses `peer`; false then.
  bool admit(UniqueFd& fd, const SocketAddress& peer);

  EventLoop& loop_;
  ServedListener& listener_;
  AcceptSink& sink_;
  Recorder& recorder_;
  bool paused_ = true;
  bool closed_ = false;
  SteadyTime retry_at_{};
  LogThrottle trouble_log_;
};

}  // namespace ackd
