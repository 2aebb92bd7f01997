#include "daemon/log/logging.h"

#include <sys/stat.h>

#include <cstdlib>
#include <memory>
#include <system_error>

#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include "daemon/log/log_sinks.h"

namespace ackd {
namespace {

// The default logger's sink: one of the two.
std::shared_ptr<BatchedLineSink>& line_sink() {
  static std::shared_ptr<BatchedLineSink> sink;
  return sink;
}
std::shared_ptr<JournalSink>& journal_sink() {
  static std::shared_ptr<JournalSink> sink;
  return sink;
}

std::string& role_storage() {
  static std::string role = "master";
  return role;
}

// %* in a line pattern: the process's role, read at each line, so a forked
// connection process renames itself without rebuilding its logger.
class RoleFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& /*msg*/, const std::tm& /*time*/,
              spdlog::memory_buf_t& dest) override {
    const std::string& role = log_role();
    dest.append(role.data(), role.data() + role.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<RoleFlag>();
  }
};

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
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<RoleFlag>('*').set_pattern(pattern);
  sink->set_formatter(std::move(formatter));
  auto logger = std::make_shared<spdlog::logger>("ackd", std::move(sink));
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::warn);  // info lines wait for flush_log()
  spdlog::set_default_logger(logger);
}

}  // namespace

const std::string& log_role() { return role_storage(); }

void init_logging(const std::string& role, const DaemonConfig& daemon) {
  role_storage() = role;
  line_sink().reset();
  journal_sink().reset();
  bool journal = daemon.log_target == "journal" ||
                 (daemon.log_target == "auto" && daemon.log_file.empty() && stderr_is_journal());
  constexpr const char* kLinePattern = "%Y-%m-%dT%H:%M:%S.%e ackd[%P] %* %l: %v";
  if (journal && JournalSink::available()) {
    journal_sink() = std::make_shared<JournalSink>();
    install(journal_sink(), "%v", daemon.log_level);
  } else {
    line_sink() = daemon.log_file.empty() ? std::make_shared<BatchedLineSink>()
                                          : std::make_shared<BatchedLineSink>(daemon.log_file);
    install(line_sink(), kLinePattern, daemon.log_level);
  }
}

int adopt_inherited_logging(const std::string& role) {
  role_storage() = role;
  if (line_sink()) return line_sink()->fd();
  return journal_sink() ? journal_sink()->fd() : -1;
}

void flush_log() {
  if (auto* logger = spdlog::default_logger_raw()) logger->flush();
}

bool reopen_log_file() {
  if (!line_sink()) return false;
  try {
    line_sink()->reopen();
    return true;
  } catch (const std::system_error& e) {
    // Log rotation must never kill a process: keep writing to the old file.
    spdlog::warn("cannot reopen the log file, still writing to the old one: {}", e.what());
    return false;
  }
}

int log_file_fd() { return line_sink() && line_sink()->is_file() ? line_sink()->fd() : -1; }

void set_message_log_fields(const MessageLogFields* fields) {
  JournalSink::current_fields() = fields;
}

}  // namespace ackd
