// spdlog sinks of our own: a file sink that can be reopened (logrotate),
// and a native systemd journal sink (the journal's datagram protocol:
// KEY=VALUE lines; our messages are escaped and never contain a newline).
#pragma once

#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>

#include <string>

#include "common/unique_fd.h"
#include "daemon/logging.h"

namespace ackd {

class ReopenableFileSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  explicit ReopenableFileSink(std::string path);  // throws std::system_error
  void reopen();

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  std::string path_;
  UniqueFd fd_;
};

class JournalSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  explicit JournalSink(std::string role);
  static bool available();
  static const MessageLogFields*& current_fields();

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  std::string role_;
  UniqueFd fd_;
};

}  // namespace ackd
