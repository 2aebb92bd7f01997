#include "daemon/serve/serve_core.h"

#include "daemon/log/logging.h"

namespace ackd {
namespace {
ConnectionLimits limits_from(const DaemonConfig& daemon) {
  ConnectionLimits limits;
  limits.idle_timeout = daemon.idle_timeout;
  limits.message_timeout = daemon.message_timeout;
  return limits;
}
}  // namespace

ServeCore::ServeCore(const DaemonConfig& daemon)
    : recorder_(daemon.log_messages), connections_(loop_, recorder_, limits_from(daemon)) {}

void ServeCore::commit_and_flush() {
  recorder_.commit();
  connections_.flush_released();
  for (TurnTask* task : turn_tasks_) task->after_commit();
  bool saturated = recorder_.saturated();
  if (saturated == reading_paused_) return;
  reading_paused_ = saturated;
  if (!saturated) connections_.resume_reading();
}

TurnEnd ServeCore::end_turn() {
  flush_log();
  SteadyTime now = std::chrono::steady_clock::now();
  connections_.set_now(now);
  connections_.collect();
  if (now < next_sweep_) return {now, false};
  next_sweep_ = now + kSweepInterval;
  connections_.sweep(now);
  return {now, true};
}

}  // namespace ackd
