#include "daemon/worker.h"

#include <spdlog/spdlog.h>

#include "daemon/forking_sink.h"
#include "daemon/logging.h"
#include "daemon/serve_loop.h"

namespace ackd {
namespace {

// Prefork: connections are served in this process's own event loop.
class LocalSink final : public AcceptSink {
 public:
  explicit LocalSink(ConnectionSet& connections) : connections_(connections) {}
  void accepted(UniqueFd fd, const SocketAddress& peer, const ServedListener& listener) override {
    connections_.open(std::move(fd), peer, listener);
  }
  bool full() const override { return false; }

 private:
  ConnectionSet& connections_;
};

// Takes over the inherited sockets and makes each listener's service.
std::vector<ServedListener> serve_inherited(std::vector<Listener>& listeners) {
  std::vector<ServedListener> served;
  for (Listener& listener : listeners) {
    ServedListener s;
    s.config = &listener.config;
    s.fd = listener.fd.release();  // this process now owns its copy
    s.service = make_service(listener.config);
    served.push_back(std::move(s));
  }
  return served;
}

}  // namespace

int run_worker(const WorkerSpec& spec) {
  const Config& config = *spec.config;
  init_logging(spec.role, config.daemon.log_level);
  if (spec.credentials) drop_privileges(*spec.credentials);
  ServeLoop serve_loop(config, spec.master_pid);
  std::vector<ServedListener> listeners = serve_inherited(*spec.listeners);
  if (config.daemon.mode == ProcessMode::kFork) {
    ForkingSink sink(config);
    serve_loop.watch_children(&sink);
    serve_loop.serve(listeners, sink);
    return serve_loop.run(/*exit_when_idle=*/false);
  }
  LocalSink sink(serve_loop.connections());
  serve_loop.serve(listeners, sink);
  return serve_loop.run(/*exit_when_idle=*/false);
}

}  // namespace ackd
