#include "daemon/serve/connection_process.h"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "daemon/log/logging.h"

namespace ackd {

ConnectionProcess::ConnectionProcess(const Config& config, ScoreboardEntry& dispatcher_entry,
                                     UniqueFd spool_channel)
    : config_(config), dispatcher_entry_(dispatcher_entry), core_(config.daemon) {
  if (spool_channel) {
    // Replies wait for the dispatcher if one of its stages holds them.
    bool holds = (config.spool.enabled() && config.spool.ack_after != AckAfter::kReceive) ||
                 config.replication.sync();
    spool_.emplace(holds, core_.recorder().gate(), core_.loop(), std::move(spool_channel));
    core_.recorder().add_stage(&*spool_);
  }
}

int ConnectionProcess::serve(UniqueFd fd, const SocketAddress& peer, const ServedListener& listener,
                             SourceSlot slot) {
  listener.meter.forget();  // the dispatcher's counts are the dispatcher's to publish
  if (slot.slots != nullptr) core_.connections().use_source_slots(slot.slots, slot.index);
  core_.connections().open(std::move(fd), peer, listener);
  // Served in that first read: the replies that wait for the spool leave
  // now, not after an idle wait.
  core_.commit_and_flush();
  listener.meter.end_turn(core_.loop().woke_at(), std::chrono::steady_clock::now());
  // Signals (blocked since fork) are handled from the first wait on; a
  // client served in the first read never waits.
  if (!core_.idle()) {
    signals_.emplace(std::initializer_list<int>{SIGTERM, SIGINT, SIGQUIT, SIGCHLD, SIGUSR1});
    core_.loop().add(signals_->fd(), EPOLLIN, this);
  }
  while (!core_.idle()) {
    core_.wait();
    core_.commit_and_flush();
    SteadyTime now = core_.end_turn().now;
    listener.meter.end_turn(core_.loop().woke_at(), now);
    if (signalled_) on_signals();
    if (stopping_ && now >= stop_deadline_ && !core_.idle()) {
      spdlog::warn("shutdown_timeout reached: closing {} connections", core_.connections().size());
      break;
    }
  }
  add_counts_to_dispatcher();
  listener.meter.publish();
  flush_log();
  const MessageCounters& c = core_.recorder().counters();
  spdlog::debug("exiting: {} connections, {} messages, {} replies, {} errors", c.connections,
                c.messages, c.replies, c.errors);
  return 0;
}

void ConnectionProcess::handle_event(uint32_t /*events*/) { signalled_ = true; }

void ConnectionProcess::on_signals() {
  signalled_ = false;
  SignalSet set = signals_->take();
  // A connection process keeps the log file it was forked with, unless told.
  if (set.has(SIGUSR1)) reopen_log_file();
  if (!stopping_ && (set.has(SIGTERM) || set.has(SIGINT) || set.has(SIGQUIT))) {
    stopping_ = true;
    stop_deadline_ = std::chrono::steady_clock::now() + config_.daemon.shutdown_timeout;
    spdlog::debug("asked to stop: draining {} connections", core_.connections().size());
    core_.commit_and_flush();  // what was received is stored and acked first
    // A retired dispatcher's clients are served by its successor next.
    core_.connections().drain_all(
        /*keep_idle=*/dispatcher_entry_.successor.load(std::memory_order_relaxed));
  }
}

void ConnectionProcess::add_counts_to_dispatcher() {
  const MessageCounters& c = core_.recorder().counters();
  dispatcher_entry_.messages.fetch_add(c.messages, std::memory_order_relaxed);
  dispatcher_entry_.replies.fetch_add(c.replies, std::memory_order_relaxed);
  dispatcher_entry_.errors.fetch_add(c.errors, std::memory_order_relaxed);
  dispatcher_entry_.refused.fetch_add(c.refused, std::memory_order_relaxed);
}

void run_connection_process(const Config& config, ScoreboardEntry& dispatcher_entry,
                            UniqueFd spool_channel, UniqueFd fd, const SocketAddress& peer,
                            const ServedListener& listener, SourceSlot slot) {
  ConnectionProcess process(config, dispatcher_entry, std::move(spool_channel));
  _exit(process.serve(std::move(fd), peer, listener, slot));
}

}  // namespace ackd
