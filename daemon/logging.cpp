#include "daemon/logging.h"

#include <sys/stat.h>

#include <cstdlib>
#include <memory>
#include <system_error>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "daemon/log_sinks.h"

namespace ackd {
namespace {

std::shared_ptr<BatchedLineSink>& file_sink() {
  static std::shared_ptr<BatchedLineSink> sink;
  return sink;
}

// systemd sets JOURNAL_STREAM=dev:ino when stderr is connected to the journal.
bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  struct stat st {};
  if (stream == nullptr || fstat(2, &st) != 0) return false;
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) == stream;
}

void install(std::shared_ptr<spdlog::sinks::sink> sink, const std::string& pattern,
             const std::string& level) {
  spdlog::drop_all();
  sink->set_pattern(pattern);
  auto logger = std::make_shared<spdlog::logger>("ackd", std::move(sink));
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::warn);  // info lines wait for flush_log()
  spdlog::set_default_logger(logger);
}

}  // namespace

void init_logging(const std::string& role, const DaemonConfig& daemon) {
  file_sink().reset();
  bool journal = daemon.log_target == "journal" ||
                 (daemon.log_target == "auto" && daemon.log_file.empty() && stderr_is_journal());
  if (journal && JournalSink::available()) {
    install(std::make_shared<JournalSink>(role), "%v", daemon.log_level);
  } else if (!daemon.log_file.empty()) {
    file_sink() = std::make_shared<BatchedLineSink>(daemon.log_file);
    install(file_sink(), "%Y-%m-%dT%H:%M:%S.%e ackd[%P] " + role + " %l: %v", daemon.log_level);
  } else {
    install(std::make_shared<BatchedLineSink>(),
            "%Y-%m-%dT%H:%M:%S.%e ackd[%P] " + role + " %l: %v", daemon.log_level);
  }
}

void init_early_logging() { init_logging("master", DaemonConfig{}); }

void flush_log() {
  if (auto logger = spdlog::default_logger_raw()) logger->flush();
}

void reopen_log_file() {
  if (!file_sink()) return;
  try {
    file_sink()->reopen();
  } catch (const std::system_error& e) {
    // Log rotation must never kill a process: keep writing to the old file.
    spdlog::warn("cannot reopen the log file, still writing to the old one: {}", e.what());
  }
}

void set_message_log_fields(const MessageLogFields* fields) {
  JournalSink::current_fields() = fields;
}

}  // namespace ackd
