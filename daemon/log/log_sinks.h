// spdlog sinks of our own: a file sink that can be reopened (logrotate),
// and a native systemd journal sink (the journal's datagram protocol:
// KEY=VALUE lines; our messages are escaped and never contain a newline).
#pragma once

#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>

#include <string>

#include "common/unique_fd.h"
#include "daemon/log/logging.h"

namespace ackd {

// Lines are buffered and written with one write() per flush: the serving
// loop flushes once per turn, so recording a message costs no syscall.
// (Warnings and errors are flushed at once: flush_on(warn).) A path sink
// can be reopened (logrotate); an fd sink writes to stderr.
class BatchedLineSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  explicit BatchedLineSink(std::string path);  // a file; throws std::system_error
  BatchedLineSink();                           // stderr
  ~BatchedLineSink() override;
  // Throws std::system_error (the old file is kept).
  void reopen();
  int fd() const { return fd_.get(); }
  bool is_file() const { return !path_.empty(); }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;

 private:
  static constexpr size_t kMaxBuffered = size_t{64} * 1024;
  std::string path_;  // empty: stderr
  UniqueFd fd_;
  spdlog::memory_buf_t buffer_;
};

class JournalSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  JournalSink();
  static bool available();
  int fd() const { return fd_.get(); }
  static const MessageLogFields*& current_fields();

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  UniqueFd fd_;
};

}  // namespace ackd
