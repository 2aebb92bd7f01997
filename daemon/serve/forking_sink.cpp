#include "daemon/serve/forking_sink.h"

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <utility>

#include <spdlog/spdlog.h>

#include "daemon/log/logging.h"
#include "daemon/serve/serve_loop.h"
#include "daemon/spawn.h"

namespace ackd {
namespace {
constexpr auto kForkFailedPause = std::chrono::milliseconds(100);
}  // namespace

void ForkingSink::accepted(UniqueFd fd, const SocketAddress& peer, const ServedListener& listener) {
  int connection = fd.get();
  pid_t pid;
  try {
    UniqueFd channel = relay_ != nullptr ? relay_->open_channel() : UniqueFd();
    int spool_channel = channel.get();
    pid = spawn_child(
        [&] {
          // Keep the connection, the channel its records go through (if
          // any), the logger's fd and stdio: the child must not hold the
          // listening sockets, the spool or the dispatcher's event loop.
          int log_fd = adopt_inherited_logging("connection");
          close_fds_except({connection, spool_channel, log_fd});
          serve_connection_process(UniqueFd(connection), peer, listener, config_, entry_,
                                   spool_channel);
          return 0;
        },
        SIGTERM);
  } catch (const std::system_error& e) {
    fork_failed(connection, e);
    return;
  }
  fork_failed_ = false;
  children_.insert(pid);
  ++accepted_;
}

// Out of processes or memory: the connection cannot be served. Closing it
// after reading what it sent makes a FIN, not a reset; then the acceptors
// pause (full()) so that clients wait in the backlog rather than be dropped.
void ForkingSink::fork_failed(int fd, const std::system_error& error) {
  char discard[4096];
  for (int i = 0; i < 16 && recv(fd, discard, sizeof(discard), MSG_DONTWAIT) > 0; ++i) {
  }
  auto now = std::chrono::steady_clock::now();
  fork_failed_ = true;
  fork_retry_at_ = now + kForkFailedPause;
  if (auto note = fork_failure_log_.admit(now)) {
    spdlog::warn("connection process: {}; closed the connection, pausing accepts for {}ms{}",
                 error.what(), kForkFailedPause.count(), *note);
  }
}

size_t ForkingSink::reap() {
  size_t reaped = 0;
  int status = 0;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    children_.erase(pid);
    ++reaped;
    if (WIFSIGNALED(status) && WTERMSIG(status) != SIGTERM && WTERMSIG(status) != SIGKILL) {
      spdlog::warn("connection process {} killed by signal {}", pid, WTERMSIG(status));
    }
  }
  return reaped;
}

void ForkingSink::signal_children(int signo) const {
  for (pid_t pid : children_) kill(pid, signo);
}

void serve_connection_process(UniqueFd fd, const SocketAddress& peer,
                              const ServedListener& listener, const Config& config,
                              ScoreboardEntry* dispatcher_entry, int spool_channel) {
  // Counts go to the dispatcher's scoreboard entry when this process ends.
  ServeLoop serve_loop(config, ServeLoop::ConnectionProcess{dispatcher_entry, spool_channel});
  serve_loop.connections().open(std::move(fd), peer, listener);
  int status = serve_loop.run(/*exit_when_idle=*/true);
  // Exit without destructors: freeing memory in a process about to end
  // only copies pages it still shares with the dispatcher (a page fault
  // each). run() has flushed the log and handed its records over.
  _exit(status);
}

}  // namespace ackd
