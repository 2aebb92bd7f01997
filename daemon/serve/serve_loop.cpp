#include "daemon/serve/serve_loop.h"

#include <unistd.h>

#include <random>

#include <spdlog/spdlog.h>

#include "daemon/log/logging.h"
#include "daemon/replicate/replication.h"

namespace ackd {
namespace {
constexpr auto kSweepInterval = std::chrono::milliseconds(250);

ConnectionLimits limits_from(const DaemonConfig& daemon) {
  ConnectionLimits limits;
  limits.idle_timeout = daemon.idle_timeout;
  limits.message_timeout = daemon.message_timeout;
  return limits;
}
}  // namespace

ServeLoop::ServeLoop(const Config& config, pid_t master_pid, ScoreboardEntry* entry)
    : ServeLoop(config, master_pid, entry, /*accumulate=*/false) {
  // Only the master acts on these; a copy sent to the whole process group
  // (a terminal, a careless kill) must not kill the workers. Connection
  // processes inherit these dispositions from their dispatcher.
  for (int signo : {SIGHUP, SIGUSR2, SIGTTIN, SIGTTOU}) signal(signo, SIG_IGN);
  ignore_sigpipe();
  if (config.spool.enabled()) {
    spool_ = std::make_unique<SpoolWriter>(config.spool, recorder_.gate());
    spool_->open();  // fails at start, not at the first message
    recorder_.add_stage(spool_.get());
  }
  replication_ = start_replication(config, recorder_.gate(), loop_, entry);
  if (replication_) recorder_.add_stage(replication_.get());
  if (entry != nullptr) {
    forwarder_ = start_forwarder(config, loop_, entry->slot.load(std::memory_order_relaxed),
                                 &entry->replication);
  }
  if (config.daemon.mode == ProcessMode::kFork && !recorder_.stages().empty()) {
    relay_ = std::make_unique<SpoolRelay>(loop_, recorder_);
  }
  if (config.daemon.max_requests > 0) {
    // Jitter, so workers started together are not all recycled together.
    std::mt19937_64 random(std::random_device{}() ^ static_cast<uint64_t>(getpid()));
    uint64_t jitter = config.daemon.max_requests_jitter;
    max_requests_ = config.daemon.max_requests + (jitter > 0 ? random() % (jitter + 1) : 0);
  }
}

ServeLoop::ServeLoop(const Config& config, const ConnectionProcess& process)
    : ServeLoop(config, /*master_pid=*/0, process.dispatcher_entry, /*accumulate=*/true) {
  if (process.spool_channel >= 0) {
    bool holds = (config.spool.enabled() && config.spool.ack_after != AckAfter::kReceive) ||
                 config.replication.sync();
    relayed_spool_ = std::make_unique<RelayedSpool>(holds, recorder_.gate(), loop_,
                                                    UniqueFd(process.spool_channel));
    recorder_.add_stage(relayed_spool_.get());
  }
}

ServeLoop::ServeLoop(const Config& config, pid_t master_pid, ScoreboardEntry* entry,
                     bool accumulate)
    : config_(config),
      master_pid_(master_pid),
      recorder_(config.daemon.log_messages),
      connections_(loop_, recorder_, limits_from(config.daemon)),
      entry_(entry),
      accumulate_(accumulate) {}

// Once per loop turn: the records of this turn are stored in one go (one
// write and one fdatasync, or one send to the dispatcher), then the replies
// the stages settled leave, connection by connection.
void ServeLoop::commit_and_flush() {
  recorder_.commit();
  connections_.flush_released();
  if (relay_) relay_->flush();
  if (forwarder_) forwarder_->poll();
  // Backpressure: while a stage is saturated, clients are not read.
  bool saturated = recorder_.saturated();
  if (saturated != reading_paused_) {
    reading_paused_ = saturated;
    if (relay_) relay_->set_paused(saturated);
    if (!saturated) connections_.resume_reading();
  }
}

void ServeLoop::serve(std::vector<ServedListener>& listeners, AcceptSink& sink) {
  for (ServedListener& listener : listeners) {
    if (is_stream(listener.config->protocol)) {
      acceptors_.push_back(std::make_unique<StreamAcceptor>(loop_, listener, sink));
      acceptors_.back()->resume_if_due(SteadyTime{});
    } else {
      if (reply_budget_ == nullptr) {
        own_reply_budget_ = std::make_unique<ReplyBudget>();
        reply_budget_ = own_reply_budget_.get();
      }
      datagram_servers_.push_back(std::make_unique<DatagramServer>(
          loop_, listener, recorder_, *reply_budget_, config_.daemon.udp_reply_burst));
    }
  }
}

void ServeLoop::handle_event(uint32_t /*events*/) { signalled_ = true; }

void ServeLoop::on_signals() {
  signalled_ = false;
  SignalSet set = signals_->take();
  if (set.has(SIGCHLD) && children_ != nullptr) children_->reap();
  if (set.has(SIGUSR1)) {
    reopen_log_file();
    // A connection process keeps the log file it was forked with, unless told.
    if (children_ != nullptr) children_->signal_children(SIGUSR1);
  }
  if (set.has(SIGTERM) || set.has(SIGINT) || set.has(SIGQUIT)) {
    // Retired by the master (reload, upgrade, fewer workers): others serve next.
    bool retired = entry_ != nullptr && entry_->successor.load(std::memory_order_relaxed);
    begin_stop("asked to stop", retired);
  }
}

void ServeLoop::begin_stop(const char* why, bool successor) {
  if (stopping_) return;
  stopping_ = true;
  stop_deadline_ = std::chrono::steady_clock::now() + config_.daemon.shutdown_timeout;
  spdlog::debug("{}: draining {} connections", why, connections_.size());
  publish(WorkerState::kDraining);
  commit_and_flush();  // what was received is stored and acked before the sockets close
  for (auto& acceptor : acceptors_) acceptor->close();
  for (auto& server : datagram_servers_) server->close();
  // With a successor, idle keep-alive clients are served by it after their
  // next ack here; stopping for good, they are closed now.
  connections_.drain_all(/*keep_idle=*/successor);
  if (children_ != nullptr) children_->signal_children(SIGTERM);
}

bool ServeLoop::idle() const {
  return connections_.size() == 0 && recorder_.idle() &&
         (children_ == nullptr || children_->children() == 0);
}

void ServeLoop::tick(SteadyTime now) {
  if (now < next_sweep_) return;
  next_sweep_ = now + kSweepInterval;
  connections_.sweep(now);
  if (master_pid_ != 0 && getppid() != master_pid_)
    begin_stop("the master is gone", /*successor=*/false);
}

// The heartbeat and counters the master reads; cheap enough for every turn.
void ServeLoop::publish(WorkerState state) {
  if (entry_ == nullptr || accumulate_) return;
  const MessageCounters& c = recorder_.counters();
  auto relaxed = std::memory_order_relaxed;
  uint64_t forked = children_ != nullptr ? children_->accepted() : 0;
  size_t open = connections_.size() + (children_ != nullptr ? children_->children() : 0);
  entry_->heartbeat_ms.store(steady_now_ms(), relaxed);
  if (entry_->state.load(relaxed) != WorkerState::kDraining) entry_->state.store(state, relaxed);
  entry_->open_connections.store(open, relaxed);
  entry_->connections.store(c.connections + forked, relaxed);
  // Added, not stored: a dispatcher's connection processes add theirs too.
  entry_->messages.fetch_add(c.messages - published_messages_, relaxed);
  entry_->acks.fetch_add(c.acks - published_acks_, relaxed);
  entry_->errors.fetch_add(c.errors - published_errors_, relaxed);
  entry_->dropped.store(c.dropped, relaxed);
  published_messages_ = c.messages;
  published_acks_ = c.acks;
  published_errors_ = c.errors;
}

void ServeLoop::accumulate_counters() {
  if (entry_ == nullptr || !accumulate_) return;
  const MessageCounters& c = recorder_.counters();
  entry_->messages.fetch_add(c.messages, std::memory_order_relaxed);
  entry_->acks.fetch_add(c.acks, std::memory_order_relaxed);
  entry_->errors.fetch_add(c.errors, std::memory_order_relaxed);
}

// max_requests: recycle this worker gracefully (memory hygiene).
void ServeLoop::check_max_requests() {
  if (max_requests_ == 0 || stopping_) return;
  uint64_t served = recorder_.counters().connections + (children_ ? children_->accepted() : 0);
  if (served < max_requests_) return;
  spdlog::info("recycling after {} connections (max_requests)", served);
  begin_stop("max_requests", /*successor=*/true);
}

int ServeLoop::run(bool exit_when_idle) {
  publish(WorkerState::kServing);
  // A connection process has served its first read before the loop: the
  // replies that wait for the spool leave now, not after an idle wait.
  commit_and_flush();
  // Signals (blocked since fork) are handled from the first wait on; a
  // connection process whose client was served in that read never waits.
  if (!(exit_when_idle && idle())) {
    signals_.emplace(std::initializer_list<int>{SIGTERM, SIGINT, SIGQUIT, SIGCHLD, SIGUSR1});
    loop_.add(signals_->fd(), EPOLLIN, this);
  }
  while (true) {
    // A connection process whose connection ended within open() is done now,
    // not after a sweep interval in epoll_wait.
    if (exit_when_idle && !stopping_ && idle()) break;
    loop_.run_once(static_cast<int>(kSweepInterval.count()));
    commit_and_flush();
    flush_log();
    SteadyTime now = std::chrono::steady_clock::now();
    connections_.set_now(now);
    connections_.collect();
    if (relay_) relay_->collect();
    if (signalled_) on_signals();
    tick(now);
    if ((stopping_ || exit_when_idle) && idle()) break;
    if (stopping_ && now >= stop_deadline_) {
      spdlog::warn("shutdown_timeout reached: closing {} connections", connections_.size());
      if (children_ != nullptr) children_->signal_children(SIGKILL);
      break;
    }
    if (!stopping_) {
      for (auto& acceptor : acceptors_) acceptor->resume_if_due(now);
    }
    publish(stopping_ ? WorkerState::kDraining : WorkerState::kServing);
    check_max_requests();
  }
  accumulate_counters();
  flush_log();
  const MessageCounters& c = recorder_.counters();
  spdlog::debug("exiting: {} connections, {} messages, {} acks, {} errors", c.connections,
                c.messages, c.acks, c.errors);
  return 0;
}

}  // namespace ackd
