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
  pid_t pid = spawn_child(
      [&] {
        // Keep only the connection (as fd 3) and stdio: the child must not
        // hold the listening sockets or the dispatcher's event loop.
        int target = connection == 3 ? 3 : dup3(connection, 3, O_CLOEXEC);
        close_range(4, ~0U, 0);
        return serve_connection_process(UniqueFd(target), peer, listener, config_, entry_);
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
                             const Config& config, ScoreboardEntry* dispatcher_entry) {
  init_logging("connection", config.daemon);
  // Counts go to the dispatcher's scoreboard entry when this process ends.
  ServeLoop serve_loop(config, /*master_pid=*/0, dispatcher_entry, /*accumulate=*/true);
  serve_loop.connections().open(std::move(fd), peer, listener);
  return serve_loop.run(/*exit_when_idle=*/true);
}

}  // namespace ackd
