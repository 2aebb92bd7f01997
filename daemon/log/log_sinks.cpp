#include "daemon/log/log_sinks.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "daemon/safe_path.h"

namespace ackd {
namespace {

constexpr const char* kJournalSocket = "/run/systemd/journal/socket";

int syslog_priority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return 7;
    case spdlog::level::info:
      return 6;
    case spdlog::level::warn:
      return 4;
    case spdlog::level::err:
      return 3;
    default:
      return 2;
  }
}

}  // namespace

BatchedLineSink::BatchedLineSink(std::string path) : path_(std::move(path)) { reopen(); }

BatchedLineSink::BatchedLineSink() : fd_(dup(2)) {}

BatchedLineSink::~BatchedLineSink() { flush_(); }

void BatchedLineSink::reopen() {
  if (path_.empty()) return;
  flush_();
  // Never through a link, never a FIFO: the log's directory may be another
  // user's, and the master opens it as root (safe_path.h).
  fd_ = open_for_append(path_, 0640);
}

void BatchedLineSink::sink_it_(const spdlog::details::log_msg& msg) {
  formatter_->format(msg, buffer_);
  if (buffer_.size() >= kMaxBuffered) flush_();
}

void BatchedLineSink::flush_() {
  // Nothing to write: leave the buffer untouched (in a fork-mode connection
  // process, even clearing it would copy a page shared with the dispatcher).
  if (buffer_.size() == 0) return;
  // One write of whole lines (O_APPEND for files): the lines of all the
  // processes sharing the file or terminal never interleave mid-line.
  size_t written = 0;
  while (written < buffer_.size()) {
    ssize_t n = write(fd_.get(), buffer_.data() + written, buffer_.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // nowhere to log: drop rather than spin
    written += static_cast<size_t>(n);
  }
  buffer_.clear();
}

JournalSink::JournalSink() : fd_(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {}

bool JournalSink::available() {
  struct stat st {};
  return stat(kJournalSocket, &st) == 0 && S_ISSOCK(st.st_mode);
}

const MessageLogFields*& JournalSink::current_fields() {
  static const MessageLogFields* fields = nullptr;
  return fields;
}

void JournalSink::sink_it_(const spdlog::details::log_msg& msg) {
  std::string entry = "PRIORITY=" + std::to_string(syslog_priority(msg.level)) +
                      "\nSYSLOG_IDENTIFIER=ackd\nWORKER_PID=" + std::to_string(getpid()) +
                      "\nACKD_ROLE=" + log_role() +
                      "\nMESSAGE=" + std::string(msg.payload.data(), msg.payload.size()) + "\n";
  if (const MessageLogFields* fields = current_fields()) {
    entry +=
        "LISTENER=" + std::string(fields->listener) + "\nPEER=" + std::string(fields->peer) + "\n";
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, kJournalSocket, sizeof(address.sun_path) - 1);
  sendto(fd_.get(), entry.data(), entry.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&address),
         sizeof(address));
}

}  // namespace ackd
