#include "daemon/serve/stream_acceptor.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include <spdlog/spdlog.h>

#include "daemon/access/refusal_log.h"
#include "daemon/access/source_count.h"
#include "daemon/serve/count_refusal.h"

namespace ackd {
namespace {
constexpr auto kFdExhaustedPause = std::chrono::milliseconds(100);

// One ERR line, then a FIN rather than a reset: what the client already
// sent is read and dropped first (bounded), as for a failed fork.
void refuse_with_error(UniqueFd& fd) {
  char discard[4096];
  for (int i = 0; i < 16 && recv(fd.get(), discard, sizeof(discard), MSG_DONTWAIT) > 0; ++i) {
  }
  std::string line = std::string(kErrTooManyConnections) + '\n';
  [[maybe_unused]] ssize_t n =
      send(fd.get(), line.data(), line.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  shutdown(fd.get(), SHUT_WR);
  fd.reset();
}

}  // namespace

StreamAcceptor::StreamAcceptor(EventLoop& loop, ServedListener& listener, AcceptSink& sink,
                               Recorder& recorder)
    : loop_(loop), listener_(listener), sink_(sink), recorder_(recorder) {}

bool StreamAcceptor::admit(UniqueFd& fd, const SocketAddress& peer) {
  const ListenerConfig& config = *listener_.config;
  // Behind a PROXY header the peer is the proxy (trusted_proxies judges it);
  // the lists judge the client it reports (ProxyStream).
  bool proxied = config.proxy_protocol != ProxyProtocol::kOff;
  std::optional<Refusal> refused = proxied ? std::nullopt : config.access.refuses(peer);
  if (refused) {
    count_refusal(recorder_, listener_, *refused);
    log_refusal(config.name, peer, "not admitted by allow/deny");
    fd.reset();  // at once: nothing is read, nothing answered
    return false;
  }
  // Behind a PROXY header, the client is counted once the header is read.
  unsigned limit = config.source_limits.max_connections;
  if (source_counting(config) == SourceCounting::kAtAccept && sink_.open_from(peer) >= limit) {
    count_refusal(recorder_, listener_, Refusal::kConnectionsPerSource);
    log_refusal(config.name, peer, "over max_connections_per_source");
    refuse_with_error(fd);
    return false;
  }
  return true;
}

// One accept per readiness event, as nginx does without multi_accept: the
// listener is level-triggered, so the next loop turn reports it again while
// connections wait, and a loop until EAGAIN would spend one failing accept4
// per wakeup (a third of a connection's system calls at low load).
void StreamAcceptor::handle_event(uint32_t /*events*/) {
  // The sink is shared: another listener's connection may have filled it
  // since this one was last armed. Accept nothing more (max_connections).
  if (sink_.full()) {
    pause();
    return;
  }
  SocketAddress peer;
  peer.length = sizeof(peer.storage);
  int fd = accept4(listener_.fd.get(), peer.get(), &peer.length, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) {
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
      pause();
      back_off(std::chrono::steady_clock::now(), std::string("accept: ") + std::strerror(errno));
    } else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
      spdlog::error("listener {}: accept: {}", listener_.config->name, std::strerror(errno));
    }
    return;
  }
  if (auto note = trouble_log_.end_run()) {
    spdlog::info("listener {}: accepting again{}", listener_.config->name, *note);
  }
  UniqueFd accepted(fd);
  if (!admit(accepted, peer)) return;
  sink_.accepted(std::move(accepted), peer, listener_);
  if (sink_.full()) pause();
}

void StreamAcceptor::pause() {
  if (paused_ || closed_) return;
  loop_.remove(listener_.fd.get());
  paused_ = true;
}

void StreamAcceptor::resume_if_due(SteadyTime now) {
  if (!paused_ || closed_ || now < retry_at_ || sink_.full()) return;
  try {
    loop_.add(listener_.fd.get(), EPOLLIN, this, /*exclusive=*/true);
  } catch (const std::system_error& e) {
    back_off(now, e.what());  // out of epoll watches or memory: the worker lives on
    return;
  }
  paused_ = false;
}

// Stays paused for a while; the warning is logged once per interval, with
// the count of those suppressed, however often the retries fail.
void StreamAcceptor::back_off(SteadyTime now, const std::string& trouble) {
  retry_at_ = now + kFdExhaustedPause;
  if (auto note = trouble_log_.admit(now)) {
    spdlog::warn("listener {}: {}; pausing accepts for {}ms{}", listener_.config->name, trouble,
                 kFdExhaustedPause.count(), *note);
  }
}

void StreamAcceptor::close() {
  pause();
  closed_ = true;
  listener_.fd.reset();
}

}  // namespace ackd
