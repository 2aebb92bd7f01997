#include "daemon/event_loop.h"

#include <cerrno>

#include "common/syscall.h"

namespace ackd {

int EventLoop::epoll_fd() {
  if (!epoll_) {
    epoll_.reset(epoll_create1(EPOLL_CLOEXEC));
    if (!epoll_) throw_errno("epoll_create1", "");
  }
  return epoll_.get();
}

void EventLoop::add(int fd, uint32_t events, EventHandler* handler, bool exclusive) {
  epoll_event event{};
  event.events = events | (exclusive ? static_cast<uint32_t>(EPOLLEXCLUSIVE) : 0u);
  event.data.ptr = handler;
  if (epoll_ctl(epoll_fd(), EPOLL_CTL_ADD, fd, &event) != 0) {
    throw_errno("epoll_ctl(ADD)", "fd " + std::to_string(fd));
  }
}

void EventLoop::modify(int fd, uint32_t events, EventHandler* handler) {
  epoll_event event{};
  event.events = events;
  event.data.ptr = handler;
  if (epoll_ctl(epoll_fd(), EPOLL_CTL_MOD, fd, &event) != 0) {
    throw_errno("epoll_ctl(MOD)", "fd " + std::to_string(fd));
  }
}

void EventLoop::remove(int fd) {
  // Failure means the fd was not registered: nothing to undo.
  if (epoll_) epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

int EventLoop::run_once(int timeout_ms) {
  int ready = epoll_wait(epoll_fd(), events_, kMaxEvents, timeout_ms);
  if (ready < 0) {
    if (errno == EINTR) return 0;
    throw_errno("epoll_wait", "");
  }
  if (ready > 0) woke_at_ = std::chrono::steady_clock::now();
  for (int i = 0; i < ready; ++i) {
    static_cast<EventHandler*>(events_[i].data.ptr)->handle_event(events_[i].events);
  }
  return ready;
}

}  // namespace ackd
