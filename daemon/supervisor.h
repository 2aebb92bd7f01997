// Supervisor: the master process. It binds every listener, starts the
// workers, then only supervises: reaps children on SIGCHLD, respawns them
// (throttled by the ProcessTable's backoff), and on TERM/INT stops them
// gracefully, escalating to SIGKILL after shutdown_timeout.
#pragma once

#include <optional>
#include <vector>

#include "daemon/config.h"
#include "daemon/listener.h"
#include "daemon/privileges.h"
#include "daemon/process_table.h"
#include "daemon/signals.h"

namespace ackd {

class Supervisor {
 public:
  explicit Supervisor(Config config);
  ~Supervisor();

  // Binds the listeners; throws std::system_error / std::runtime_error.
  void start();
  // The master loop; returns the exit status.
  int run();

 private:
  void wait_for_events(TimePoint now);
  void reap_children(TimePoint now);
  void begin_stop(int signo, TimePoint now);
  void maintain_pool(TimePoint now);
  void spawn_worker(size_t slot, TimePoint now);
  void signal_workers(int signo);
  size_t pool_size() const;

  Config config_;
  std::vector<Listener> listeners_;
  std::optional<Credentials> credentials_;
  SignalPipe signals_;
  ProcessTable table_;
  bool stopping_ = false;
  bool killed_ = false;
  TimePoint stop_deadline_{};
};

}  // namespace ackd
