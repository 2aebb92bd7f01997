#include "daemon/serve/worker.h"

#include <fcntl.h>
#include <unistd.h>

#include <cassert>
#include <memory>

#include <spdlog/spdlog.h>

#include "common/syscall.h"
#include "daemon/log/logging.h"
#include "daemon/record/spool_writer.h"
#include "daemon/replicate/forward_lag_gate.h"
#include "daemon/replicate/forwarder.h"
#include "daemon/replicate/replication.h"
#include "daemon/serve/forking_sink.h"
#include "daemon/serve/local_sink.h"
#include "daemon/serve/serve_core.h"
#include "daemon/serve/worker_loop.h"
#include "daemon/transport/stream_transport.h"

namespace ackd {
namespace {

// Takes over the inherited sockets and makes each listener's service and,
// for a stream listener, its transport.
std::vector<ServedListener> serve_inherited(std::vector<Listener>& listeners,
                                            const ServiceContext& context, ListenerBoard* board) {
  std::vector<ServedListener> served;
  for (Listener& listener : listeners) {
    ServedListener s;
    s.config = &listener.config;
    s.fd = std::move(listener.fd);  // this process now owns its copy
    s.service = make_service(listener.config, context);
    s.meter = ListenerMeter(board, listener.config.name);
    s.rates = listener.rates.get();
    if (is_stream(listener.config.protocol)) s.transport = make_stream_transport(listener.config);
    served.push_back(std::move(s));
  }
  return served;
}

// Where this worker's records go (a dispatcher's: its connection
// processes' too): the spool it writes, the replicated stream (mode =
// "sync"), and the forwarder that ships the spool (mode = "forward", one
// process of the pool) with the gate that holds clients while it is
// max_lag behind. Each is null when the config does not ask for it.
struct RecordStages {
  std::unique_ptr<SpoolWriter> spool;
  std::unique_ptr<ReplicationStage> replication;
  std::unique_ptr<Forwarder> forwarder;
  std::unique_ptr<ForwardLagGate> lag_gate;
};

RecordStages open_record_stages(const Config& config, ServeCore& core, const WorkerSpec& spec) {
  ScoreboardEntry& entry = *spec.scoreboard;
  SpoolBoard* spool_board = spec.spool_board;
  RecordStages stages;
  Recorder& recorder = core.recorder();
  if (config.spool.enabled()) {
    stages.spool = std::make_unique<SpoolWriter>(config.spool, recorder.gate(), spool_board);
    stages.spool->open();  // fails at start, not at the first message
    recorder.add_stage(stages.spool.get());
  }
  stages.replication = start_replication(config, recorder.gate(), core.loop(), &entry);
  if (stages.replication) recorder.add_stage(stages.replication.get());
  stages.forwarder = start_forwarder(
      config, core.loop(), entry.slot.load(std::memory_order_relaxed), &entry.replication);
  if (stages.forwarder) core.add_turn_task(stages.forwarder.get());
  if (config.replication.forward() && config.replication.max_lag > 0 && spec.board != nullptr) {
    stages.lag_gate = std::make_unique<ForwardLagGate>(*spec.board, config.replication.max_lag);
    recorder.add_stage(stages.lag_gate.get());
  }
  return stages;
}

// The listeners are in this worker's event loop: it serves from now on.
// The scoreboard says so first; then the master is woken to look.
void report_serving(const WorkerSpec& spec) {
  spec.scoreboard->state.store(WorkerState::kServing, std::memory_order_relaxed);
  if (spec.serving_fd < 0) return;
  [[maybe_unused]] ssize_t n = write(spec.serving_fd, "s", 1);  // full: the master is awake
  close(spec.serving_fd);  // connection processes must not hold it
}

// Serves through `sink` until stopped.
int serve_with(const WorkerSpec& spec, ServeCore& core, AcceptSink& sink,
               std::vector<ServedListener>& listeners) {
  WorkerLoop worker(*spec.config, core, sink,
                    WorkerTies{spec.master_pid, *spec.scoreboard, *spec.reply_budget});
  worker.serve(listeners);
  report_serving(spec);
  return worker.run();
}

}  // namespace

ServingPipe::ServingPipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) throw_errno("pipe2", "serving pipe");
  read.reset(fds[0]);
  write.reset(fds[1]);
}

void ServingPipe::drain() const {
  char buffer[256];
  while (::read(read.get(), buffer, sizeof(buffer)) > 0) {
  }
}

int run_worker(const WorkerSpec& spec) {
  assert(spec.scoreboard != nullptr && spec.reply_budget != nullptr);
  const Config& config = *spec.config;
  // What only the master may hold: the control socket, the pidfile lock.
  for (int fd : spec.close_in_child) close(fd);
  init_logging(spec.role, config.daemon);
  if (spec.credentials) drop_privileges(*spec.credentials);
  ServeCore core(config.daemon);
  RecordStages stages = open_record_stages(config, core, spec);
  std::vector<ServedListener> listeners =
      serve_inherited(*spec.listeners, ServiceContext{spec.board}, spec.listener_board);
  if (config.daemon.mode == ProcessMode::kFork) {
    ForkingSink sink(config, spec.max_children, *spec.scoreboard, core);
    return serve_with(spec, core, sink, listeners);
  }
  core.connections().set_fds_private(true);  // workers never fork
  LocalSink sink(core.connections(), config.daemon.max_connections);
  return serve_with(spec, core, sink, listeners);
}

}  // namespace ackd
