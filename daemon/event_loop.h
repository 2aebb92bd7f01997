// EventLoop: a thin epoll wrapper. Handlers are objects, not closures, so
// dispatch costs one virtual call and no allocation. Level-triggered. A
// handler removed during dispatch must stay alive until run_once returns.
// The epoll instance is made on first use: a fork-mode connection process
// that serves its client in one read never needs one.
#pragma once

#include <sys/epoll.h>

#include <chrono>
#include <cstdint>

#include "common/steady_time.h"
#include "common/unique_fd.h"

namespace ackd {

class EventHandler {
 public:
  virtual void handle_event(uint32_t events) = 0;

 protected:
  ~EventHandler() = default;
};

// Work a serving process does once per loop turn, after the turn's records
// are committed (the forwarder's shipping, for one).
class TurnTask {
 public:
  virtual void after_commit() = 0;

 protected:
  ~TurnTask() = default;
};

class EventLoop {
 public:
  // `exclusive` adds with EPOLLEXCLUSIVE: of the processes waiting on a shared
  // listening socket, only one is woken (no thundering herd).
  void add(int fd, uint32_t events, EventHandler* handler, bool exclusive = false);
  void modify(int fd, uint32_t events, EventHandler* handler);
  void remove(int fd);

  // Waits up to timeout_ms (-1: forever) and dispatches what is ready.
  // Returns the number of events dispatched.
  int run_once(int timeout_ms);
  // When the last wait ended with events: the time the bytes read in this
  // dispatch were known to have arrived (the reply latency's start).
  SteadyTime woke_at() const { return woke_at_; }

 private:
  int epoll_fd();  // throws std::system_error

  static constexpr int kMaxEvents = 256;
  UniqueFd epoll_;
  epoll_event events_[kMaxEvents];
  SteadyTime woke_at_ = std::chrono::steady_clock::now();
};

}  // namespace ackd
