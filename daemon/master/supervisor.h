// Supervisor: the master process. It binds every listener, starts the
// workers, then only supervises. Its loop waits for signals (self-pipe) and
// control requests (non-blocking, each with a deadline), then acts in a
// fixed order: reap children, kill hung workers, reload, reopen logs, resize
// the pool, stop; and brings the pool back to its target size (throttled by
// the ProcessTable's backoff). It says ready (READY=1) once its first
// generation of workers serves.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/steady_time.h"
#include "daemon/config/config.h"
#include "daemon/listener.h"
#include "daemon/master/aux_processes.h"
#include "daemon/master/control_clients.h"
#include "daemon/master/control_server.h"
#include "daemon/master/listen_fds.h"
#include "daemon/master/pidfile.h"
#include "daemon/master/process_groups.h"
#include "daemon/master/process_table.h"
#include "daemon/master/status_report.h"
#include "daemon/master/upgrade.h"
#include "daemon/master/watchdog.h"
#include "daemon/metrics/metrics_endpoint.h"
#include "daemon/privileges.h"
#include "daemon/scoreboard.h"
#include "daemon/serve/reply_budget.h"
#include "daemon/serve/worker.h"
#include "daemon/signals.h"

namespace ackd {

class Supervisor {
 public:
  // config_path: where reload re-reads the config (empty: the embedded
  // default); argv: how to exec ourselves again for a binary upgrade.
  Supervisor(Config config, std::string config_path, std::vector<std::string> argv);
  ~Supervisor();

  // Binds the listeners, or adopts those `passed` (take_passed_sockets());
  // throws std::system_error / std::runtime_error.
  void start(std::vector<PassedSocket> passed);
  // The master loop; returns the exit status.
  int run();

 private:
  struct Requests {  // what the loop has to do, from signals or the control socket
    bool reap = false, reload = false, reopen = false, stop = false, fast_stop = false;
    bool upgrade = false;
    int resize = 0;
  };

  bool generation_serves() const;
  void announce_ready();
  void wait_for_events(SteadyTime now);
  Requests take_requests();
  std::optional<std::string> handle_control(std::string_view request);
  void adopt_scoreboard(UniqueFd fd);
  void want_metrics();
  std::vector<int> master_fds() const;
  void open_listeners(std::vector<PassedSocket> passed);
  void reap_children(SteadyTime now);
  void start_upgrade(SteadyTime now);
  void check_upgrade(SteadyTime now);
  void abandon_upgrade(const std::string& why);
  bool workers_healthy() const;
  void tick_status(SteadyTime now);
  void kill_hung_workers();
  std::string reload(SteadyTime now);
  std::string reload_failed(const std::vector<std::string>& problems) const;
  void reopen_logs();
  void resize_pool(int delta);
  bool stop_requested(const Requests& requests, SteadyTime now);
  void begin_drain(SteadyTime now);
  void begin_stop(bool fast, SteadyTime now);
  void maintain_pool(SteadyTime now);
  void spawn_worker(size_t slot, SteadyTime now);
  void retire(const std::vector<pid_t>& pids);
  void signal_workers(int signo);
  void kill_workers(SteadyTime now);
  void note_orphans(pid_t worker);
  void collect_stop_groups();
  void drop_upgrade();
  void keep_control_socket(SteadyTime now);
  size_t configured_pool_size() const;
  ProcessRole serving_role() const;  // worker, or fork mode's dispatcher
  StatusSnapshot snapshot() const;
  StatusSnapshot full_snapshot() const;  // for ackctl status
  void notify_status();

  Config config_;
  std::string config_path_;
  std::vector<Listener> listeners_;
  std::optional<Credentials> credentials_;
  SignalPipe signals_;
  ProcessTable table_;
  Scoreboard scoreboard_;
  AuxProcesses aux_{scoreboard_};  // the metrics exporter
  MetricsEndpoint metrics_;
  ReplyBudget reply_budget_;  // UDP's amplification bound, for the whole daemon
  std::unique_ptr<ControlServer> control_;
  SteadyTime control_retry_at_{};  // while there is none: when to try again
  ControlClients control_clients_;
  std::unique_ptr<PidFile> pidfile_;
  std::unique_ptr<Upgrade> upgrade_;
  Watchdog watchdog_;
  ServingPipe serving_;  // workers say they serve; READY=1 waits for it
  bool ready_ = false;
  std::string binary_;
  std::vector<std::string> argv_;
  bool handed_over_ = false;  // a new master serves our sockets now
  SteadyTime next_status_{};
  uint64_t status_ticks_ = 0;
  Requests pending_;  // requests that came through the control socket
  uint32_t generation_ = 1;
  size_t target_workers_ = 1;
  int64_t started_ms_ = 0;
  int64_t started_unix_ = 0;  // seconds
  bool draining_ = false;     // drain_before_stop: serving until drain_until_, then stopping
  SteadyTime drain_until_{};
  bool stopping_ = false;
  bool killed_ = false;
  // Groups of dead fork-mode dispatchers whose connection processes live on.
  ProcessGroups orphans_;
  // At a stop: the workers' process groups and orphans_, waited for until empty.
  ProcessGroups stop_groups_;
  SteadyTime stop_deadline_{};
};

}  // namespace ackd
