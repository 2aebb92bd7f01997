// StreamAcceptor: accepts connections on one listening stream socket and
// hands them to an AcceptSink (served in this process, or forked off).
// Stops accepting, rather than accept-and-drop, when the sink is full or the
// process is out of file descriptors (EMFILE): the kernel backlog holds
// clients meanwhile, and there is no busy loop. Out of descriptors or epoll
// watches, it retries after a pause and warns at a bounded rate.
#pragma once

#include <chrono>
#include <string>

#include "common/steady_time.h"
#include "daemon/log/log_throttle.h"
#include "daemon/serve/accept_sink.h"
#include "daemon/serve/event_loop.h"
#include "daemon/serve/served_listener.h"

namespace ackd {

class StreamAcceptor final : public EventHandler {
 public:
  StreamAcceptor(EventLoop& loop, ServedListener& listener, AcceptSink& sink);

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

  EventLoop& loop_;
  ServedListener& listener_;
  AcceptSink& sink_;
  bool paused_ = true;
  bool closed_ = false;
  SteadyTime retry_at_{};
  LogThrottle trouble_log_;
};

}  // namespace ackd
