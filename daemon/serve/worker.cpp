#include "daemon/serve/worker.h"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "common/syscall.h"
#include "daemon/log/logging.h"
#include "daemon/serve/forking_sink.h"
#include "daemon/serve/serve_loop.h"

namespace ackd {
namespace {

// Prefork: connections are served in this process's own event loop.
class LocalSink final : public AcceptSink {
 public:
  LocalSink(ConnectionSet& connections, unsigned max_connections)
      : connections_(connections), max_connections_(max_connections) {}
  void accepted(UniqueFd fd, const SocketAddress& peer, const ServedListener& listener) override {
    connections_.open(std::move(fd), peer, listener);
  }
  // At the limit the acceptors pause: new clients wait in the kernel backlog.
  bool full() const override { return connections_.size() >= max_connections_; }

 private:
  ConnectionSet& connections_;
  unsigned max_connections_;
};

// Takes over the inherited sockets and makes each listener's service.
std::vector<ServedListener> serve_inherited(std::vector<Listener>& listeners) {
  std::vector<ServedListener> served;
  for (Listener& listener : listeners) {
    ServedListener s;
    s.config = &listener.config;
    s.fd = std::move(listener.fd);  // this process now owns its copy
    s.service = make_service(listener.config);
    served.push_back(std::move(s));
  }
  return served;
}

// The listeners are in this worker's event loop: it serves from now on.
// The scoreboard says so first; then the master is woken to look.
void report_serving(const WorkerSpec& spec) {
  if (spec.scoreboard != nullptr) {
    spec.scoreboard->state.store(WorkerState::kServing, std::memory_order_relaxed);
  }
  if (spec.serving_fd < 0) return;
  [[maybe_unused]] ssize_t n = write(spec.serving_fd, "s", 1);  // full: the master is awake
  close(spec.serving_fd);  // connection processes must not hold it
}

}  // namespace

ServingPipe::ServingPipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) throw_errno("pipe2", "serving pipe");
  read.reset(fds[0]);
  write.reset(fds[1]);
}

void ServingPipe::drain() {
  char buffer[256];
  while (::read(read.get(), buffer, sizeof(buffer)) > 0) {
  }
}

// A seam for tests: a test build of ackd links a strong definition of this
// (tests/support/worker_start_hook.cpp) to get workers that crash or stall
// at start.
extern "C" __attribute__((weak)) void ackd_worker_starting() {}

int run_worker(const WorkerSpec& spec) {
  ackd_worker_starting();
  const Config& config = *spec.config;
  // What only the master may hold: the control socket, the pidfile lock.
  for (int fd : spec.close_in_child) close(fd);
  init_logging(spec.role, config.daemon);
  if (spec.credentials) drop_privileges(*spec.credentials);
  ServeLoop serve_loop(config, spec.master_pid, spec.scoreboard);
  serve_loop.share_reply_budget(spec.reply_budget);
  std::vector<ServedListener> listeners = serve_inherited(*spec.listeners);
  if (config.daemon.mode == ProcessMode::kFork) {
    ForkingSink sink(config, spec.max_children, spec.scoreboard, serve_loop.spool_relay());
    serve_loop.watch_children(&sink);
    serve_loop.serve(listeners, sink);
    report_serving(spec);
    return serve_loop.run(/*exit_when_idle=*/false);
  }
  serve_loop.connections().set_fds_private(true);  // workers never fork
  LocalSink sink(serve_loop.connections(), config.daemon.max_connections);
  serve_loop.serve(listeners, sink);
  report_serving(spec);
  return serve_loop.run(/*exit_when_idle=*/false);
}

}  // namespace ackd
