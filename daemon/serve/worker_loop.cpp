#include "daemon/serve/worker_loop.h"

#include <unistd.h>

#include <csignal>
#include <random>

#include <spdlog/spdlog.h>

#include "daemon/log/logging.h"

namespace ackd {
namespace {

// Only the master acts on HUP, USR2, TTIN and TTOU; a copy sent to the
// whole process group (a terminal, a careless kill) must not kill the
// workers. Connection processes inherit these dispositions.
SignalPipe worker_signals() {
  for (int signo : {SIGHUP, SIGUSR2, SIGTTIN, SIGTTOU}) {
    static_cast<void>(signal(signo, SIG_IGN));  // cannot fail for these
  }
  ignore_sigpipe();
  return SignalPipe({SIGTERM, SIGINT, SIGQUIT, SIGCHLD, SIGUSR1});
}

// Jittered, so that workers started together are not all recycled together.
uint64_t jittered_max_requests(const DaemonConfig& daemon) {
  if (daemon.max_requests == 0) return 0;
  std::mt19937_64 random(std::random_device{}() ^ static_cast<uint64_t>(getpid()));
  uint64_t jitter = daemon.max_requests_jitter;
  return daemon.max_requests + (jitter > 0 ? random() % (jitter + 1) : 0);
}

}  // namespace

WorkerLoop::WorkerLoop(const Config& config, ServeCore& core, AcceptSink& sink,
                       const WorkerTies& ties)
    : config_(config),
      core_(core),
      sink_(sink),
      ties_(ties),
      signals_(worker_signals()),
      max_requests_(jittered_max_requests(config.daemon)) {
  core_.loop().add(signals_.fd(), EPOLLIN, this);
}

// Stores the turn's records, then releases their replies, here and in the
// connection processes.
void WorkerLoop::commit_and_flush() {
  core_.commit_and_flush();
  sink_.after_commit();
}

void WorkerLoop::serve(std::vector<ServedListener>& listeners) {
  for (ServedListener& listener : listeners) {
    listeners_.push_back(&listener);
    if (is_stream(listener.config->protocol)) {
      acceptors_.push_back(
          std::make_unique<StreamAcceptor>(core_.loop(), listener, sink_, core_.recorder()));
      acceptors_.back()->resume_if_due(SteadyTime{});
    } else {
      datagram_servers_.push_back(
          std::make_unique<DatagramServer>(core_.loop(), listener, core_.recorder(),
                                           ties_.reply_budget, config_.daemon.udp_reply_burst));
    }
  }
}

void WorkerLoop::handle_event(uint32_t /*events*/) { signalled_ = true; }

void WorkerLoop::on_signals() {
  signalled_ = false;
  SignalSet set = signals_.take();
  if (set.has(SIGCHLD)) sink_.reap();
  if (set.has(SIGUSR1)) {
    reopen_log_file();
    sink_.pass_signal(SIGUSR1);  // connection processes keep their log file unless told
  }
  if (set.has(SIGTERM) || set.has(SIGINT) || set.has(SIGQUIT)) {
    // Retired by the master (reload, upgrade, fewer workers): others serve next.
    begin_stop("asked to stop", ties_.entry.successor.load(std::memory_order_relaxed));
  }
}

void WorkerLoop::begin_stop(const char* why, bool successor) {
  if (stopping_) return;
  stopping_ = true;
  stop_deadline_ = std::chrono::steady_clock::now() + config_.daemon.shutdown_timeout;
  spdlog::debug("{}: draining {} connections", why, core_.connections().size());
  publish(WorkerState::kDraining);
  commit_and_flush();  // what was received is stored and acked before the sockets close
  for (auto& acceptor : acceptors_) acceptor->close();
  for (auto& server : datagram_servers_) server->close();
  // With a successor, idle keep-alive clients are served by it after their
  // next ack here; stopping for good, they are closed now.
  core_.connections().drain_all(/*keep_idle=*/successor);
  sink_.pass_signal(SIGTERM);
}

// The heartbeat and counters the master reads; cheap enough for every turn.
void WorkerLoop::publish(WorkerState state) {
  ScoreboardEntry& entry = ties_.entry;
  const MessageCounters& c = core_.recorder().counters();
  auto relaxed = std::memory_order_relaxed;
  entry.heartbeat_ms.store(steady_now_ms(), relaxed);
  if (entry.state.load(relaxed) != WorkerState::kDraining) entry.state.store(state, relaxed);
  entry.open_connections.store(core_.connections().size() + sink_.open_elsewhere(), relaxed);
  entry.connections.store(c.connections + sink_.handed_off(), relaxed);
  // Added, not stored: a dispatcher's connection processes add theirs too.
  entry.messages.fetch_add(c.messages - published_messages_, relaxed);
  entry.replies.fetch_add(c.replies - published_replies_, relaxed);
  entry.errors.fetch_add(c.errors - published_errors_, relaxed);
  entry.dropped.store(c.dropped, relaxed);
  entry.refused.fetch_add(c.refused - published_refused_, relaxed);
  published_refused_ = c.refused;
  published_messages_ = c.messages;
  published_replies_ = c.replies;
  published_errors_ = c.errors;
}

// The listeners' counters reach the board every kMeterInterval: a scrape
// (every few seconds) sees them fresh enough, and a busy loop does not pay
// for shared-memory adds on every turn.
void WorkerLoop::publish_meters(SteadyTime now) {
  if (now < next_meter_publish_) return;
  next_meter_publish_ = now + kMeterInterval;
  for (ServedListener* listener : listeners_) listener->meter.publish();
}

// max_requests: recycle this worker gracefully (memory hygiene).
void WorkerLoop::check_max_requests() {
  if (max_requests_ == 0 || stopping_) return;
  uint64_t served = core_.recorder().counters().connections + sink_.handed_off();
  if (served < max_requests_) return;
  spdlog::info("recycling after {} connections (max_requests)", served);
  begin_stop("max_requests", /*successor=*/true);
}

int WorkerLoop::run() {
  publish(WorkerState::kServing);
  commit_and_flush();
  while (true) {
    core_.wait();
    commit_and_flush();
    TurnEnd turn = core_.end_turn();
    for (ServedListener* listener : listeners_) {
      listener->meter.end_turn(core_.loop().woke_at(), turn.now);
    }
    if (signalled_) on_signals();
    if (turn.swept && getppid() != ties_.master_pid) {
      begin_stop("the master is gone", /*successor=*/false);
    }
    if (stopping_ && idle()) break;
    if (stopping_ && turn.now >= stop_deadline_) {
      spdlog::warn("shutdown_timeout reached: closing {} connections", core_.connections().size());
      sink_.pass_signal(SIGKILL);
      break;
    }
    if (!stopping_) {
      for (auto& acceptor : acceptors_) acceptor->resume_if_due(turn.now);
    }
    publish(stopping_ ? WorkerState::kDraining : WorkerState::kServing);
    publish_meters(turn.now);
    check_max_requests();
  }
  for (ServedListener* listener : listeners_) listener->meter.publish();
  flush_log();
  const MessageCounters& c = core_.recorder().counters();
  spdlog::debug("exiting: {} connections, {} messages, {} replies, {} errors", c.connections,
                c.messages, c.replies, c.errors);
  return 0;
}

}  // namespace ackd
