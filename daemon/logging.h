// Logging setup. Every process (master, each worker, each forked connection)
// makes its own loggers after fork: spdlog is not fork-safe. Lines go to
// stderr, to `log_file` (reopened on USR1, for logrotate), or natively to
// the systemd journal with priorities and structured fields.
#pragma once

#include <string>
#include <string_view>

#include "daemon/config.h"

namespace ackd {

// Replaces the default logger; `role` is "master", "worker 2", ...
// Throws std::system_error if log_file cannot be opened.
void init_logging(const std::string& role, const DaemonConfig& daemon);
// Before the config is known: stderr, level info.
void init_early_logging();
// USR1: reopens log_file (a no-op for stderr and the journal).
void reopen_log_file();
// Writes the buffered lines: serving loops call it once per turn, the
// master after every turn of its loop.
void flush_log();

// Journal fields of the message being logged (LISTENER=, PEER=): set by the
// recorder around its log call; other sinks ignore them.
struct MessageLogFields {
  std::string_view listener;
  std::string_view peer;
};
void set_message_log_fields(const MessageLogFields* fields);

}  // namespace ackd
