#include "daemon/supervisor.h"

#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>

#include "daemon/listen_fds.h"
#include "daemon/listener_set.h"
#include "daemon/logging.h"
#include "daemon/notify.h"
#include "daemon/spawn.h"
#include "daemon/spool.h"
#include "daemon/worker.h"

namespace ackd {
namespace {

constexpr size_t kScoreboardCapacity = 4096;  // current and draining workers
constexpr size_t kMaxWorkers = 1024;
constexpr auto kUpgradeTimeout = std::chrono::seconds(30);
constexpr auto kKillGrace = std::chrono::seconds(2);  // for SIGKILLed processes to be reaped

std::string describe_exit(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    std::string text = "killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
                       strsignal(WTERMSIG(status)) + ")";
    if (WCOREDUMP(status)) text += ", core dumped";
    return text;
  }
  return "status " + std::to_string(status);
}

}  // namespace

Supervisor::Supervisor(Config config, std::string config_path, std::vector<std::string> argv)
    : config_(std::move(config)),
      config_path_(std::move(config_path)),
      signals_({SIGCHLD, SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2, SIGTTIN, SIGTTOU}),
      scoreboard_(kScoreboardCapacity),
      watchdog_(Watchdog::from_environment()),
      binary_(current_binary_path()),
      argv_(std::move(argv)) {}

Supervisor::~Supervisor() {
  if (handed_over_) return;  // the new master serves these files now
  for (const Listener& listener : listeners_) remove_socket_file(listener);
}

void Supervisor::start() {
  started_ms_ = steady_now_ms();
  if (!config_.daemon.pidfile.empty()) {
    const char* from = std::getenv(kUpgradeFromVariable);  // the old master holds it
    pidfile_ = std::make_unique<PidFile>(config_.daemon.pidfile,
                                         from != nullptr ? static_cast<pid_t>(std::atol(from)) : 0);
  }
  credentials_ = resolve_credentials(config_.daemon);
  if (!config_.daemon.user.empty() && !credentials_) {
    spdlog::warn("daemon.user = \"{}\" ignored: the master does not run as root",
                 config_.daemon.user);
  }
  if (config_.spool.enabled()) {
    recover_spool(config_.spool, credentials_ ? credentials_->uid : static_cast<uid_t>(-1),
                  credentials_ ? credentials_->gid : static_cast<gid_t>(-1));
  }
  open_listeners();
  if (!config_.daemon.control_socket.empty()) {
    control_ = ControlServer::open(config_.daemon.control_socket, config_.daemon.group);
  }
  ignore_sigpipe();
  // Orphaned connection processes of fork mode are reparented to us, and reaped.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  target_workers_ = configured_pool_size();
  table_.resize(target_workers_);
}

// Sockets passed by systemd or by the previous master are used as they are;
// the others are bound here.
void Supervisor::open_listeners() {
  std::vector<PassedSocket> passed = take_passed_sockets();
  bool upgrading = std::getenv(kUpgradeFromVariable) != nullptr;
  // systemd-socket-activate without --fdname: unnamed sockets, taken in order.
  bool unnamed = std::all_of(passed.begin(), passed.end(), [](auto& p) { return p.name.empty(); });
  if (!passed.empty() && unnamed && passed.size() == config_.listeners.size()) {
    for (size_t i = 0; i < passed.size(); ++i) passed[i].name = config_.listeners[i].name;
  }
  for (const ListenerConfig& config : config_.listeners) {
    if (auto adopted = adopt_passed_socket(passed, config, /*owns_path=*/upgrading)) {
      listeners_.push_back(std::move(*adopted));
      spdlog::info("serving {} ({}) on the socket passed by {}", config.describe(), config.name,
                   upgrading ? "the previous master" : "the service manager");
    } else {
      listeners_.push_back(open_listener(config));
      spdlog::info("listening on {} ({})", config.describe(), config.name);
    }
  }
  reject_unclaimed(passed);
}

size_t Supervisor::configured_pool_size() const {
  // Fork mode: dispatchers accept and fork a process per connection.
  return config_.daemon.mode == ProcessMode::kFork ? config_.daemon.resolved_dispatchers()
                                                   : config_.daemon.resolved_workers();
}

int Supervisor::run() {
  maintain_pool(Clock::now());
  if (pid_t old_master = finish_upgrade_handshake()) {
    spdlog::info("binary upgrade: took over from the previous master (pid {})", old_master);
  }
  notify("READY=1\nMAINPID=" + std::to_string(getpid()));
  notify_status();
  spdlog::info("ready: {} {} with config {}", table_.running(),
               config_.daemon.mode == ProcessMode::kFork ? "fork-mode dispatcher(s)" : "worker(s)",
               config_.source);
  while (true) {
    flush_log();
    wait_for_events(Clock::now());
    Requests requests = take_requests();
    TimePoint now = Clock::now();
    if (requests.reap) reap_children(now);
    if (stopping_) {
      if (requests.fast_stop && !killed_) kill_workers(now);
      // The master exits last: fork mode's connection processes are in their
      // dispatcher's group, and those it leaves behind are reparented to us.
      bool given_up = killed_ && now >= stop_deadline_;
      if (table_.running() == 0 && (stop_groups_gone() || given_up)) break;
      if (!killed_ && now >= stop_deadline_) {
        spdlog::warn("shutdown_timeout ({}) reached: killing {} worker(s)",
                     format_duration(config_.daemon.shutdown_timeout), table_.running());
        kill_workers(now);
      }
      continue;
    }
    kill_hung_workers();
    watchdog_.tick(now, workers_healthy());
    tick_status(now);
    if (requests.upgrade) start_upgrade(now);
    check_upgrade(now);
    if (requests.reload) reload(now);
    if (requests.reopen) reopen_logs();
    if (requests.resize != 0) resize_pool(requests.resize);
    if (requests.stop) {
      begin_stop(requests.fast_stop, now);
      continue;
    }
    if (table_.recovered(now)) spdlog::info("workers are stable again: respawn throttling ended");
    maintain_pool(now);
  }
  spdlog::info("stopped");
  flush_log();
  return 0;
}

void Supervisor::wait_for_events(TimePoint now) {
  TimePoint wake = now + std::chrono::seconds(1);
  for (std::optional<TimePoint> t :
       {stopping_ ? std::optional(stop_deadline_) : table_.next_due(), watchdog_.next_ping()}) {
    if (t) wake = std::min(wake, *t);
  }
  auto until = std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count();
  int timeout_ms = static_cast<int>(std::clamp<int64_t>(until + 1, 0, 1000));
  pollfd fds[3] = {{signals_.fd(), POLLIN, 0},
                   {control_ ? control_->fd() : -1, POLLIN, 0},
                   {upgrade_ ? upgrade_->fd() : -1, POLLIN, 0}};
  if (poll(fds, 3, timeout_ms) > 0 && (fds[1].revents & POLLIN)) {
    control_->serve_one([this](std::string_view request) { return handle_control(request); });
  }
}

Supervisor::Requests Supervisor::take_requests() {
  Requests requests = std::exchange(pending_, Requests{});
  SignalSet signals = signals_.take();
  requests.reap |= signals.has(SIGCHLD);
  requests.reload |= signals.has(SIGHUP);
  requests.reopen |= signals.has(SIGUSR1);
  requests.stop |= signals.has(SIGTERM) || signals.has(SIGINT) || signals.has(SIGQUIT);
  // A second ^C while stopping: stop now.
  requests.fast_stop |= stopping_ && signals.has(SIGINT);
  requests.resize += (signals.has(SIGTTIN) ? 1 : 0) - (signals.has(SIGTTOU) ? 1 : 0);
  requests.upgrade |= signals.has(SIGUSR2);
  return requests;
}

std::string Supervisor::handle_control(std::string_view request) {
  if (request == "status") return render_status_text(snapshot());
  if (request == "status json") return render_status_json(snapshot());
  if (request == "reload") {
    pending_.reload = true;
    return "reloading\n";
  }
  if (request == "stop") {
    pending_.stop = true;
    return "stopping\n";
  }
  return "ERR unknown request (expected status, status json, reload or stop)\n";
}

void Supervisor::reap_children(TimePoint now) {
  int status = 0;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    if (upgrade_ && pid == upgrade_->pid()) {
      abandon_upgrade("the new master (pid " + std::to_string(pid) + ") " + describe_exit(status));
      continue;
    }
    if (auto entry = scoreboard_.find(pid)) scoreboard_.release(*entry);
    // A worker that got our TERM before its own handlers were set dies of it.
    bool clean =
        (WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
        ((stopping_ || !table_.owns(pid)) && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    std::optional<WorkerExit> exit = table_.exited(pid, now, clean);
    if (!exit) continue;  // a retired worker, or an orphaned connection process
    if (clean) {
      spdlog::debug("worker {} (pid {}) exited", exit->slot, pid);
      continue;
    }
    spdlog::warn("worker {} (pid {}) {}", exit->slot, pid, describe_exit(status));
    if (exit->throttling_started) {
      spdlog::warn("workers die young: throttling respawns ({} at first, doubling)",
                   format_duration(exit->respawn_delay));
    } else if (exit->died_young) {
      spdlog::warn("still dying young: next respawn in {}", format_duration(exit->respawn_delay));
    }
  }
}

// A worker whose heartbeat is older than worker_timeout is stuck (a busy
// loop, a SIGSTOP, a deadlock): kill it; the reap respawns it.
void Supervisor::kill_hung_workers() {
  int64_t now_ms = steady_now_ms();
  int64_t limit = config_.daemon.worker_timeout.count();
  for (size_t i = 0; i < scoreboard_.capacity(); ++i) {
    ScoreboardEntry& e = scoreboard_.entry(i);
    WorkerState state = e.state.load(std::memory_order_relaxed);
    pid_t pid = e.pid.load(std::memory_order_relaxed);
    if (state == WorkerState::kFree || pid <= 0) continue;
    int64_t silent = now_ms - e.heartbeat_ms.load(std::memory_order_relaxed);
    if (silent <= limit) continue;
    spdlog::error(
        "worker {} (pid {}) made no progress for {}ms (last state {}, {} connections): "
        "killing it",
        e.slot.load(), pid, silent, to_string(state), e.open_connections.load());
    kill(pid, SIGKILL);
    e.heartbeat_ms.store(now_ms, std::memory_order_relaxed);  // one kill, one log line
  }
}

void Supervisor::reload(TimePoint now) {
  notify("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(steady_now_ms() * 1000));
  spdlog::info("reloading {}", config_path_.empty() ? "the embedded default" : config_path_);
  Config fresh;
  std::optional<Credentials> credentials;
  ReconciledListeners reconciled;
  try {
    fresh = config_path_.empty() ? default_config() : load_config(config_path_);
    credentials = resolve_credentials(fresh.daemon);
    reconciled = reconcile_listeners(listeners_, fresh.listeners);
  } catch (const ConfigError& e) {
    for (const std::string& problem : e.problems()) spdlog::error("reload: {}", problem);
    spdlog::error("reload failed: still running the previous configuration");
    notify("READY=1");
    return;
  } catch (const std::exception& e) {
    spdlog::error("reload failed: {}; still running the previous configuration", e.what());
    notify("READY=1");
    return;
  }
  for (const Listener& removed : reconciled.removed) {
    spdlog::info("closed listener {} ({})", removed.describe(), removed.config.name);
    remove_socket_file(removed);
  }
  reconciled.removed.clear();  // closed now: the new generation must not inherit them
  for (const Listener& listener : reconciled.listeners) {
    if (!config_.find_listener(listener.config.name)) {
      spdlog::info("listening on {} ({})", listener.describe(), listener.config.name);
    }
  }
  listeners_ = std::move(reconciled.listeners);
  config_ = std::move(fresh);
  credentials_ = credentials;
  ++generation_;
  // The new generation starts first; the old one then stops accepting and
  // drains. Both share the listening sockets, so no client is refused.
  std::vector<pid_t> old = table_.resize(0);
  target_workers_ = configured_pool_size();
  table_.resize(target_workers_);
  maintain_pool(now);
  retire(old);
  spdlog::info("reloaded: generation {}, {} worker(s)", generation_, target_workers_);
  notify("READY=1");
  notify_status();
}

void Supervisor::start_upgrade(TimePoint now) {
  if (upgrade_) {
    spdlog::warn("USR2: an upgrade is already under way (new master pid {})", upgrade_->pid());
    return;
  }
  spdlog::info("USR2: starting {} with our listening sockets", binary_);
  control_.reset();  // the new master opens it under the same name
  try {
    upgrade_ = Upgrade::start(binary_, argv_, listeners_, now + kUpgradeTimeout);
  } catch (const std::exception& e) {
    abandon_upgrade(e.what());
  }
}

// Once the new master is ready: tell systemd who the main process is now,
// then drain and exit, leaving the socket files to the new master.
void Supervisor::check_upgrade(TimePoint now) {
  if (!upgrade_) return;
  if (upgrade_->ready()) {
    pid_t pid = upgrade_->pid();
    spdlog::info("binary upgrade: new master (pid {}) is ready; draining and exiting", pid);
    notify("MAINPID=" + std::to_string(pid) + "\nSTATUS=handed over to pid " + std::to_string(pid));
    handed_over_ = true;
    upgrade_.reset();
    begin_stop(/*fast=*/false, now);
  } else if (now >= upgrade_->deadline()) {
    kill(upgrade_->pid(), SIGKILL);
    abandon_upgrade("the new master (pid " + std::to_string(upgrade_->pid()) +
                    ") was not ready within " + format_duration(kUpgradeTimeout));
  }
}

void Supervisor::abandon_upgrade(const std::string& why) {
  spdlog::error("binary upgrade failed: {}; still serving", why);
  drop_upgrade();
  if (!control_ && !config_.daemon.control_socket.empty()) {
    control_ = ControlServer::open(config_.daemon.control_socket, config_.daemon.group);
  }
}

// Forgets the upgrade under way (its new master failed or was killed).
void Supervisor::drop_upgrade() {
  // The new master may have replaced the pidfile, and removed it as it
  // failed: ours again. It may still hold the lock for a moment if killed.
  if (pidfile_ && upgrade_ && !pidfile_->in_place()) {
    try {
      pidfile_ = std::make_unique<PidFile>(pidfile_->path(), upgrade_->pid());
    } catch (const std::exception& e) {
      spdlog::error("cannot write the pidfile again: {}", e.what());
    }
  }
  upgrade_.reset();
}

// For the watchdog: some worker has shown progress within worker_timeout.
bool Supervisor::workers_healthy() const {
  int64_t oldest = steady_now_ms() - config_.daemon.worker_timeout.count();
  for (size_t i = 0; i < scoreboard_.capacity(); ++i) {
    const ScoreboardEntry& e = scoreboard_.entry(i);
    if (e.state.load(std::memory_order_relaxed) != WorkerState::kFree &&
        e.heartbeat_ms.load(std::memory_order_relaxed) >= oldest) {
      return true;
    }
  }
  return false;
}

void Supervisor::tick_status(TimePoint now) {
  if (now < next_status_) return;
  next_status_ = now + std::chrono::seconds(1);
  if (config_.spool.enabled()) enforce_spool_limit(config_.spool);
  if (++status_ticks_ % 5 == 0) notify_status();
}

void Supervisor::reopen_logs() {
  reopen_log_file();
  // Workers run as `user` by now: the new file must be theirs to open (as nginx does).
  const std::string& path = config_.daemon.log_file;
  if (credentials_ && !path.empty() &&
      chown(path.c_str(), credentials_->uid, credentials_->gid) != 0) {
    spdlog::warn("log_file {}: chown: {}", path, std::strerror(errno));
  }
  signal_workers(SIGUSR1);
  spdlog::info("log files reopened");
}

void Supervisor::resize_pool(int delta) {
  if (config_.daemon.mode == ProcessMode::kFork) {
    spdlog::warn("TTIN/TTOU ignored in fork mode: the config's dispatchers sets their number");
    return;
  }
  auto wanted = static_cast<int64_t>(target_workers_) + delta;
  size_t target = static_cast<size_t>(std::clamp<int64_t>(wanted, 1, kMaxWorkers));
  if (target == target_workers_) return;
  target_workers_ = target;
  retire(table_.resize(target));
  spdlog::info("pool size now {} worker(s)", target);
}

void Supervisor::begin_stop(bool fast, TimePoint now) {
  if (stopping_) return;
  // A new master not ready yet would come up after we stopped, with the
  // sockets we passed it (and without the socket files we remove).
  if (upgrade_ && !handed_over_) {
    spdlog::warn("stopping: the binary upgrade (new master pid {}) is abandoned", upgrade_->pid());
    kill(upgrade_->pid(), SIGKILL);
    drop_upgrade();
  }
  spdlog::info("stopping {}(shutdown_timeout {})", fast ? "now " : "gracefully ",
               format_duration(config_.daemon.shutdown_timeout));
  notify("STOPPING=1");
  stopping_ = true;
  stop_deadline_ = now + config_.daemon.shutdown_timeout;
  control_.reset();
  for (Listener& listener : listeners_) listener.fd.reset();  // workers close theirs on TERM
  stop_groups_ = table_.pids();
  if (fast) {
    kill_workers(now);
  } else if (handed_over_) {
    retire(table_.pids());  // the new master's workers serve their clients next
  } else {
    signal_workers(SIGTERM);
  }
}

void Supervisor::maintain_pool(TimePoint now) {
  for (size_t slot : table_.due_slots(now)) spawn_worker(slot, now);
}

void Supervisor::spawn_worker(size_t slot, TimePoint now) {
  std::optional<size_t> entry =
      scoreboard_.claim(generation_, static_cast<uint32_t>(slot), steady_now_ms());
  if (!entry) {
    spdlog::error("scoreboard full ({} workers): not starting worker {}", kScoreboardCapacity,
                  slot);
    table_.failed_to_start(slot, now);
    return;
  }
  WorkerSpec spec;
  spec.config = &config_;
  spec.listeners = &listeners_;
  bool fork_mode = config_.daemon.mode == ProcessMode::kFork;
  spec.role = (fork_mode ? "dispatcher " : "worker ") + std::to_string(slot);
  if (fork_mode) spec.max_children = config_.daemon.max_children_of(slot);
  spec.credentials = credentials_;
  spec.master_pid = getpid();
  spec.scoreboard = &scoreboard_.entry(*entry);
  if (control_) spec.close_in_child.push_back(control_->fd());
  if (pidfile_) spec.close_in_child.push_back(pidfile_->fd());
  try {
    // Each worker leads a process group that its connection processes (fork
    // mode) join, so kill_workers() reaches those too. Set on both sides of
    // the fork, so that neither can act before it is in place.
    pid_t pid = spawn_child(
        [&] {
          setpgid(0, 0);
          return run_worker(spec);
        },
        SIGTERM);
    setpgid(pid, pid);
    scoreboard_.entry(*entry).pid.store(pid, std::memory_order_relaxed);
    table_.started(slot, pid, now);
    spdlog::debug("started {} (pid {}, generation {})", spec.role, pid, generation_);
  } catch (const std::system_error& e) {
    // Out of processes or memory: retry after a backoff, as for a crash.
    spdlog::error("{}: {}", spec.role, e.what());
    scoreboard_.release(*entry);
    table_.failed_to_start(slot, now);
  }
}

// Others take over these workers' clients: they drain without dropping
// idle keep-alive connections.
void Supervisor::retire(const std::vector<pid_t>& pids) {
  for (pid_t pid : pids) {
    if (auto entry = scoreboard_.find(pid)) {
      scoreboard_.entry(*entry).successor.store(true, std::memory_order_relaxed);
    }
    kill(pid, SIGTERM);
  }
}

void Supervisor::signal_workers(int signo) {
  for (pid_t pid : table_.pids()) kill(pid, signo);
}

// Stops at once: the workers and, in fork mode, their connection processes,
// which would otherwise get only their parent's death signal (and a stopped
// or stuck one ignores it). Waits for them for a grace period at most.
void Supervisor::kill_workers(TimePoint now) {
  // A group outlives its leader: a dispatcher gone already may have left
  // connection processes behind.
  for (pid_t pid : table_.pids()) {
    if (std::find(stop_groups_.begin(), stop_groups_.end(), pid) == stop_groups_.end()) {
      stop_groups_.push_back(pid);
    }
  }
  for (pid_t group : stop_groups_) {
    if (kill(-group, SIGKILL) != 0) kill(group, SIGKILL);
  }
  killed_ = true;
  stop_deadline_ = now + kKillGrace;
}

// True once no process is left in the workers' groups (the zombies among
// them are ours to reap, being a subreaper).
bool Supervisor::stop_groups_gone() {
  std::erase_if(stop_groups_, [](pid_t group) { return kill(-group, 0) != 0 && errno == ESRCH; });
  return stop_groups_.empty();
}

StatusSnapshot Supervisor::snapshot() const {
  StatusSnapshot s;
  s.master_pid = getpid();
  s.uptime_ms = steady_now_ms() - started_ms_;
  s.generation = generation_;
  s.config_source = config_.source;
  s.mode = config_.daemon.mode == ProcessMode::kFork ? "fork" : "prefork";
  for (const Listener& listener : listeners_) {
    s.listeners.push_back(
        {listener.config.name, std::string(to_string(listener.config.protocol)),
         is_unix(listener.config.protocol) ? listener.config.path : listener.bound.to_string()});
  }
  int64_t now_ms = steady_now_ms();
  for (size_t i = 0; i < scoreboard_.capacity(); ++i) {
    const ScoreboardEntry& e = scoreboard_.entry(i);
    WorkerState state = e.state.load(std::memory_order_relaxed);
    if (state == WorkerState::kFree) continue;
    WorkerRow row;
    row.pid = e.pid.load(std::memory_order_relaxed);
    row.slot = e.slot.load(std::memory_order_relaxed);
    row.generation = e.generation.load(std::memory_order_relaxed);
    row.state = to_string(state);
    row.open_connections = e.open_connections.load(std::memory_order_relaxed);
    row.connections = e.connections.load(std::memory_order_relaxed);
    row.messages = e.messages.load(std::memory_order_relaxed);
    row.acks = e.acks.load(std::memory_order_relaxed);
    row.errors = e.errors.load(std::memory_order_relaxed);
    row.dropped = e.dropped.load(std::memory_order_relaxed);
    row.heartbeat_age_ms = now_ms - e.heartbeat_ms.load(std::memory_order_relaxed);
    row.restarts = row.generation == generation_ ? table_.restarts(row.slot) : 0;
    s.workers.push_back(row);
  }
  std::sort(s.workers.begin(), s.workers.end(), [](const WorkerRow& a, const WorkerRow& b) {
    return std::tie(a.generation, a.slot) < std::tie(b.generation, b.slot);
  });
  return s;
}

void Supervisor::notify_status() {
  StatusSnapshot s = snapshot();
  notify("STATUS=" + status_line(s));
}

}  // namespace ackd
