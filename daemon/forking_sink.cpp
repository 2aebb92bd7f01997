#include "daemon/forking_sink.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <spdlog/spdlog.h>

#include "daemon/logging.h"
#include "daemon/serve_loop.h"
#include "daemon/spawn.h"

namespace ackd {

void ForkingSink::accepted(UniqueFd fd, const SocketAddress& peer, const ServedListener& listener) {
  int connection = fd.get();
  int segment = spool_ != nullptr ? spool_->segment_fd() : -1;
  pid_t pid = spawn_child(
      [&] {
        // Keep only the connection (as fd 3) and stdio: the child must not
        // hold the listening sockets or the dispatcher's event loop.
        // The spool segment (if any) as fd 4: the process appends to it.
        // The inherited logger's sink owns an fd that close_range() closes below:
        // destroy it now, while that fd is still its own (spawn_child flushed
        // it before the fork). serve_connection_process makes a new one.
        spdlog::drop_all();
        int spool_fd = segment >= 0 ? fcntl(segment, F_DUPFD_CLOEXEC, 10) : -1;
        int target = connection == 3 ? 3 : dup3(connection, 3, O_CLOEXEC);
        if (spool_fd >= 0) spool_fd = dup3(spool_fd, 4, O_CLOEXEC);
        close_range(spool_fd >= 0 ? 5 : 4, ~0U, 0);
        return serve_connection_process(UniqueFd(target), peer, listener, config_, entry_,
                                        spool_fd);
      },
      SIGTERM);
  children_.insert(pid);
  ++accepted_;
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

void ForkingSink::terminate_children(int signo) const {
  for (pid_t pid : children_) kill(pid, signo);
}

int serve_connection_process(UniqueFd fd, const SocketAddress& peer, const ServedListener& listener,
                             const Config& config, ScoreboardEntry* dispatcher_entry,
                             int spool_fd) {
  init_logging("connection", config.daemon);
  // Counts go to the dispatcher's scoreboard entry when this process ends.
  ServeLoop serve_loop(config, /*master_pid=*/0, dispatcher_entry, /*accumulate=*/true);
  if (spool_fd >= 0) {
    serve_loop.adopt_spool(std::make_unique<SpoolWriter>(config.spool, UniqueFd(spool_fd)));
  }
  serve_loop.connections().open(std::move(fd), peer, listener);
  return serve_loop.run(/*exit_when_idle=*/true);
}

}  // namespace ackd
