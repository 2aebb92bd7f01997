#include "daemon/serve_loop.h"

#include <unistd.h>

#include <spdlog/spdlog.h>

namespace ackd {
namespace {
constexpr auto kSweepInterval = std::chrono::milliseconds(250);
}

ServeLoop::ServeLoop(const Config& config, pid_t master_pid)
    : config_(config),
      master_pid_(master_pid),
      signals_({SIGTERM, SIGINT, SIGQUIT, SIGCHLD}),
      recorder_(config.daemon.log_messages),
      connections_(loop_, recorder_) {
  // Only the master acts on these; a copy sent to the whole process group
  // (a terminal, a careless kill) must not kill the workers.
  for (int signo : {SIGHUP, SIGUSR1, SIGUSR2, SIGTTIN, SIGTTOU}) signal(signo, SIG_IGN);
  ignore_sigpipe();
  loop_.add(signals_.fd(), EPOLLIN, this);
}

void ServeLoop::serve(std::vector<ServedListener>& listeners, AcceptSink& sink) {
  for (ServedListener& listener : listeners) {
    if (is_stream(listener.config->protocol)) {
      acceptors_.push_back(std::make_unique<StreamAcceptor>(loop_, listener, sink));
      acceptors_.back()->resume_if_due(SteadyTime{});
    } else {
      datagram_servers_.push_back(std::make_unique<DatagramServer>(loop_, listener, recorder_));
    }
  }
}

void ServeLoop::handle_event(uint32_t /*events*/) { signalled_ = true; }

void ServeLoop::on_signals() {
  signalled_ = false;
  SignalSet set = signals_.take();
  if (set.has(SIGCHLD) && children_ != nullptr) children_->reap();
  if (set.has(SIGTERM) || set.has(SIGINT) || set.has(SIGQUIT)) begin_stop("asked to stop");
}

void ServeLoop::begin_stop(const char* why) {
  if (stopping_) return;
  stopping_ = true;
  stop_deadline_ = std::chrono::steady_clock::now() + config_.daemon.shutdown_timeout;
  spdlog::debug("{}: draining {} connections", why, connections_.size());
  for (auto& acceptor : acceptors_) acceptor->close();
  for (auto& server : datagram_servers_) server->close();
  connections_.drain_all();
  if (children_ != nullptr) children_->terminate_children(SIGTERM);
}

bool ServeLoop::idle() const {
  return connections_.size() == 0 && (children_ == nullptr || children_->children() == 0);
}

void ServeLoop::tick(SteadyTime now) {
  if (now < next_sweep_) return;
  next_sweep_ = now + kSweepInterval;
  connections_.sweep(now);
  if (master_pid_ != 0 && getppid() != master_pid_) begin_stop("the master is gone");
}

int ServeLoop::run(bool exit_when_idle) {
  while (true) {
    loop_.run_once(static_cast<int>(kSweepInterval.count()));
    connections_.collect();
    if (signalled_) on_signals();
    SteadyTime now = std::chrono::steady_clock::now();
    tick(now);
    if ((stopping_ || exit_when_idle) && idle()) break;
    if (stopping_ && now >= stop_deadline_) {
      spdlog::warn("shutdown_timeout reached: closing {} connections", connections_.size());
      if (children_ != nullptr) children_->terminate_children(SIGKILL);
      break;
    }
    if (!stopping_) {
      for (auto& acceptor : acceptors_) acceptor->resume_if_due(now);
    }
  }
  const MessageCounters& c = recorder_.counters();
  spdlog::debug("exiting: {} connections, {} messages, {} acks, {} errors", c.connections,
                c.messages, c.acks, c.errors);
  return 0;
}

}  // namespace ackd
