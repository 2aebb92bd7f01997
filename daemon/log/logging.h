// Logging setup. The master and each worker make their own loggers after
// fork (spdlog's registry is not fork-safe: a lock may be held); a fork-mode
// connection process, forked by a single-threaded dispatcher that flushed
// its buffer first, keeps its dispatcher's (adopt_inherited_logging). Lines go to
// stderr, to `log_file` (reopened on USR1, for logrotate), or natively to
// the systemd journal with priorities and structured fields.
#pragma once

#include <string>
#include <string_view>

#include "daemon/config/config.h"

namespace ackd {

// Replaces the default logger; `role` is "master", "worker 2", ...
// Throws std::system_error if log_file cannot be opened.
void init_logging(const std::string& role, const DaemonConfig& daemon);
// A fork-mode connection process keeps its dispatcher's logger (building a
// new one per connection would cost more than serving it) under its own
// role. Returns the fd the logger writes to, which the process must keep
// open (-1: none).
int adopt_inherited_logging(const std::string& role);
// The role in this process's log lines and journal entries.
const std::string& log_role();
// USR1: reopens log_file (a no-op for stderr and the journal). False if it
// could not (logged; the old file is still written).
bool reopen_log_file();
// The fd of log_file, or -1 when the log goes elsewhere.
int log_file_fd();
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
