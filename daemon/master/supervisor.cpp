#include "daemon/master/supervisor.h"

#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <span>

#include <spdlog/spdlog.h>

#include "daemon/log/logging.h"
#include "daemon/master/as_workers.h"
#include "daemon/master/exit_status.h"
#include "daemon/master/listener_set.h"
#include "daemon/master/notify.h"
#include "daemon/record/spool.h"
#include "daemon/record/spool_status.h"
#include "daemon/safe_path.h"
#include "daemon/serve/worker.h"
#include "daemon/spawn.h"
#include "version.h"

namespace ackd {
namespace {

constexpr size_t kScoreboardCapacity = 4096;  // current and draining workers
constexpr size_t kMaxWorkers = 1024;
constexpr auto kUpgradeTimeout = std::chrono::seconds(30);
constexpr auto kKillGrace = std::chrono::seconds(2);  // for SIGKILLed processes to be reaped

// Gives the log file the master just opened to the workers' user, if it is
// root's (the master made it) or already theirs: never another user's file.
void give_log_file(int fd, const Credentials& workers) {
  struct stat st {};
  if (fd < 0 || fstat(fd, &st) != 0) return;
  if (st.st_uid != geteuid() && st.st_uid != workers.uid) {
    spdlog::warn("log_file is owned by uid {}: not giving it to user {}", st.st_uid, workers.user);
    return;
  }
  try {
    change_owner(fd, {workers.uid, workers.gid}, "log_file");
  } catch (const std::system_error& e) {
    spdlog::warn("{}", e.what());
  }
}

// Unix socket files the master binds get the workers' group when their
// listener names none: local clients are let in by being in that group.
gid_t socket_group(const std::optional<Credentials>& workers) {
  return workers ? workers->gid : kUnchangedGid;
}

// The spool directory is the workers': made for them and given to them,
// never through a link on the way (safe_path.h). Then, as them, what each
// worker will do first, write there: a worker that cannot would die at
// start. Recovery cuts files they own: done as them too.
void prepare_spool(const SpoolConfig& spool, const std::optional<Credentials>& workers,
                   bool recover) {
  FileOwner owner;
  if (workers) owner = {workers->uid, workers->gid};
  make_directory(spool.path, 0750, owner);
  run_as_workers(workers, [&] {
    if (access(spool.path.c_str(), W_OK | X_OK) != 0) {
      throw std::system_error(errno, std::generic_category(),
                              "cannot write to the spool directory " + spool.path);
    }
    if (recover) recover_spool(spool);
  });
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

void Supervisor::start(std::vector<PassedSocket> passed) {
  started_ms_ = steady_now_ms();
  started_unix_ = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
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
  if (config_.spool.enabled()) prepare_spool(config_.spool, credentials_, /*recover=*/true);
  adopt_scoreboard(take_passed_fd(passed, kScoreboardFdName));
  metrics_.open(config_.metrics, take_passed_fd(passed, kMetricsFdName));
  open_listeners(std::move(passed));
  if (!config_.daemon.control_socket.empty()) {
    control_ = ControlServer::open(config_.daemon.control_socket, config_.daemon.group);
  }
  ignore_sigpipe();
  // Orphaned connection processes of fork mode are reparented to us, and reaped.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  target_workers_ = configured_pool_size();
  table_.resize(target_workers_);
  want_metrics();
}

// The exporter runs while [metrics] is there, with the settings of now.
void Supervisor::want_metrics() {
  if (!config_.metrics.enabled()) {
    aux_.drop(ProcessRole::kMetrics);
    return;
  }
  ExporterLaunch launch;
  launch.scoreboard_fd = scoreboard_.fd();
  launch.log_fd = log_file_fd();
  launch.credentials = credentials_;
  ExporterOptions& o = launch.options;
  for (const Cidr& range : config_.metrics.allow.entries()) o.allow.push_back(range.to_string());
  o.spool = config_.spool.path;
  o.spool_fsync = spool_syncs(config_.spool);
  o.replication = config_.replication.enabled();
  o.log_level = config_.daemon.log_level;
  o.log_target = launch.log_fd >= 0 ? "stderr" : config_.daemon.log_target;
  o.generation = generation_;
  o.started = started_unix_;
  o.mode = config_.daemon.mode == ProcessMode::kFork ? "fork" : "prefork";
  aux_.want(metrics_.role(std::move(launch)));
}

// At a binary upgrade: the previous master's scoreboard, shared from now on
// (its draining workers keep their entries), so no counter starts again.
void Supervisor::adopt_scoreboard(UniqueFd fd) {
  if (!fd) return;
  try {
    scoreboard_ = Scoreboard(std::move(fd));
    spdlog::info("binary upgrade: sharing the previous master's scoreboard: the counters go on");
  } catch (const std::exception& e) {
    spdlog::warn("binary upgrade: {}: the counters start again from zero", e.what());
  }
}

// Sockets passed by systemd or by the previous master are used as they are;
// the others are bound here.
void Supervisor::open_listeners(std::vector<PassedSocket> passed) {
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
      listeners_.push_back(open_listener(config, socket_group(credentials_)));
      spdlog::info("listening on {} ({})", config.describe(), config.name);
    }
  }
  reject_unclaimed(passed);
}

ProcessRole Supervisor::serving_role() const {
  return config_.daemon.mode == ProcessMode::kFork ? ProcessRole::kDispatcher
                                                   : ProcessRole::kWorker;
}

size_t Supervisor::configured_pool_size() const {
  // Fork mode: dispatchers accept and fork a process per connection.
  return config_.daemon.mode == ProcessMode::kFork ? config_.daemon.resolved_dispatchers()
                                                   : config_.daemon.resolved_workers();
}

// The master loop is one function by design (STYLE.md, habit 3).
// NOLINTNEXTLINE(readability-function-cognitive-complexity)
int Supervisor::run() {
  maintain_pool(SteadyClock::now());
  while (true) {
    flush_log();
    wait_for_events(SteadyClock::now());
    Requests requests = take_requests();
    SteadyTime now = SteadyClock::now();
    if (requests.reap) reap_children(now);
    if (stopping_) {
      if (requests.fast_stop && !killed_) kill_workers(now);
      // The master exits last: fork mode's connection processes are in their
      // dispatcher's group, and those it leaves behind are reparented to us.
      bool given_up = killed_ && now >= stop_deadline_;
      bool none_left = table_.running() == 0 && aux_.running() == 0;
      if (none_left && (stop_groups_.prune() || given_up)) break;
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
    keep_control_socket(now);
    if (requests.reload)
      control_clients_.answer_awaiting("reload", reload(now), SteadyClock::now());
    if (requests.reopen) reopen_logs();
    if (requests.resize != 0) resize_pool(requests.resize);
    if (stop_requested(requests, now)) continue;
    if (table_.recovered(now)) spdlog::info("workers are stable again: respawn throttling ended");
    maintain_pool(now);
    if (!ready_ && generation_serves()) announce_ready();
  }
  spdlog::info("stopped");
  flush_log();
  return 0;
}

// Ready means served: only once every worker of the current generation
// reports serving in the scoreboard (a worker that dies first frees its
// entry, so it never counts). Then, in an upgrade, the old master is told.
bool Supervisor::generation_serves() const {
  size_t serving = 0;
  pid_t self = getpid();
  for (size_t i = 0; i < scoreboard_.capacity(); ++i) {
    const ScoreboardEntry& e = scoreboard_.entry(i);
    if (held_by(e, self) && serves_clients(e.role.load(std::memory_order_relaxed)) &&
        e.generation.load(std::memory_order_relaxed) == generation_ &&
        e.state.load(std::memory_order_relaxed) == WorkerState::kServing) {
      ++serving;
    }
  }
  return serving >= target_workers_;
}

void Supervisor::announce_ready() {
  ready_ = true;
  if (pid_t old_master = finish_upgrade_handshake()) {
    spdlog::info("binary upgrade: took over from the previous master (pid {})", old_master);
  }
  notify("READY=1\nMAINPID=" + std::to_string(getpid()));
  notify_status();
  spdlog::info("ready: {} {} with config {}", table_.running(),
               config_.daemon.mode == ProcessMode::kFork ? "fork-mode dispatcher(s)" : "worker(s)",
               config_.source);
}

void Supervisor::wait_for_events(SteadyTime now) {
  SteadyTime wake = now + std::chrono::seconds(1);
  for (std::optional<SteadyTime> t :
       {stopping_ ? std::optional(stop_deadline_) : table_.next_due(),
        stopping_ ? std::nullopt : aux_.next_due(), watchdog_.next_ping(),
        draining_ ? std::optional(drain_until_) : std::nullopt, control_clients_.next_deadline(),
        control_ ? control_->resume_at(now) : std::nullopt}) {
    if (t) wake = std::min(wake, *t);
  }
  auto until = std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count();
  int timeout_ms = static_cast<int>(std::clamp<int64_t>(until + 1, 0, 1000));
  // At its bound of clients the listening socket waits: new ones queue in its backlog.
  bool accepting = control_ && !control_clients_.full();
  std::vector<pollfd> fds = {{signals_.fd(), POLLIN, 0},
                             {accepting ? control_->poll_fd(now) : -1, POLLIN, 0},
                             {upgrade_ && !upgrade_->killed() ? upgrade_->fd() : -1, POLLIN, 0},
                             {serving_.read.get(), POLLIN, 0}};
  constexpr size_t kClientsFrom = 4;
  control_clients_.add_poll_fds(fds);
  int ready = poll(fds.data(), fds.size(), timeout_ms);
  SteadyTime after = SteadyClock::now();
  auto handler = [this](std::string_view request) { return handle_control(request); };
  control_clients_.handle(std::span(fds).subspan(kClientsFrom), after, handler);
  if (ready > 0 && (fds[1].revents & POLLIN)) control_clients_.accept_from(*control_, after);
  if (fds[3].revents & POLLIN) serving_.drain();  // the loop then checks the scoreboard
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

// The reply to a control request; none yet for a reload or an upgrade,
// answered with its outcome once the loop knows it (answer_awaiting).
std::optional<std::string> Supervisor::handle_control(std::string_view request) {
  if (request == "status") return render_status_text(full_snapshot());
  if (request == "status json") return render_status_json(full_snapshot());
  if (request == "reload") {
    if (stopping_) return "ERR reload failed: ackd is stopping\n";
    pending_.reload = true;
    return std::nullopt;
  }
  if (request == "upgrade") {
    if (stopping_ || draining_) return "ERR upgrade failed: ackd is stopping\n";
    pending_.upgrade = true;
    return std::nullopt;
  }
  if (request == "stop") {
    pending_.stop = true;
    Duration drain = config_.daemon.drain_before_stop;
    if (!stopping_ && !draining_ && drain.count() > 0) {
      return "draining for " + format_duration(drain) + ", then stopping\n";
    }
    return "stopping\n";
  }
  return "ERR unknown request (expected status, status json, reload, upgrade or stop)\n";
}

void Supervisor::reap_children(SteadyTime now) {
  int status = 0;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    if (upgrade_ && pid == upgrade_->pid()) {
      abandon_upgrade(upgrade_->killed() ? upgrade_->killed_for()
                                         : "the new master (pid " + std::to_string(pid) + ") " +
                                               describe_exit(status));
      continue;
    }
    if (auto entry = scoreboard_.find(pid)) {
      scoreboard_.release(*entry);
      note_orphans(pid);
    }
    if (aux_.reaped(pid, status, now, stopping_)) continue;
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
    RoleCounters& counters = scoreboard_.counters().role(serving_role());
    counters.restarts.fetch_add(1, std::memory_order_relaxed);
    if (exit->died_young) counters.throttled.fetch_add(1, std::memory_order_relaxed);
    if (exit->throttling_started) {
      spdlog::warn("workers die young: throttling respawns ({} at first, doubling)",
                   format_duration(exit->respawn_delay));
    } else if (exit->died_young) {
      spdlog::warn("still dying young: next respawn in {}", format_duration(exit->respawn_delay));
    }
  }
  orphans_.prune();
}

// A dead dispatcher's connection processes are ours now (we are the
// subreaper) but in no worker's group: keep their group, to stop them with
// the rest. They drain on their own (their parent-death signal is TERM).
void Supervisor::note_orphans(pid_t worker) {
  if (!has_children_in_group(worker)) return;
  spdlog::info("connection processes of pid {} live on; they drain and exit", worker);
  orphans_.add(worker);
  if (!stopping_) return;
  stop_groups_.add(worker);
  kill(-worker, killed_ ? SIGKILL : SIGTERM);
}

// A process whose heartbeat is older than worker_timeout is stuck (a busy
// loop, a SIGSTOP, a deadlock): kill it; the reap respawns it. Workers and
// auxiliary processes alike: each has its entry.
void Supervisor::kill_hung_workers() {
  int64_t now_ms = steady_now_ms();
  int64_t limit = config_.daemon.worker_timeout.count();
  pid_t self = getpid();
  for (size_t i = 0; i < scoreboard_.capacity(); ++i) {
    ScoreboardEntry& e = scoreboard_.entry(i);
    WorkerState state = e.state.load(std::memory_order_relaxed);
    pid_t pid = e.pid.load(std::memory_order_relaxed);
    if (!held_by(e, self) || pid <= 0) continue;
    int64_t silent = now_ms - e.heartbeat_ms.load(std::memory_order_relaxed);
    if (silent <= limit) continue;
    ProcessRole role = e.role.load(std::memory_order_relaxed);
    spdlog::error(
        "{} {} (pid {}) made no progress for {}ms (last state {}, {} connections): "
        "killing it",
        to_string(role), e.slot.load(), pid, silent, to_string(state), e.open_connections.load());
    scoreboard_.counters().role(role).hung_killed.fetch_add(1, std::memory_order_relaxed);
    kill(pid, SIGKILL);
    e.heartbeat_ms.store(now_ms, std::memory_order_relaxed);  // one kill, one log line
  }
}

// Returns the reply to `ackctl reload`: the new generation, or why not.
std::string Supervisor::reload(SteadyTime now) {
  notify("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(steady_now_ms() * 1000));
  spdlog::info("reloading {}", config_path_.empty() ? "the embedded default" : config_path_);
  Config fresh;
  std::optional<Credentials> credentials;
  ReconciledListeners reconciled;
  MetricsEndpoint::Plan metrics;
  try {
    fresh = config_path_.empty() ? default_config() : load_config(config_path_);
    credentials = resolve_credentials(fresh.daemon);
    if (fresh.spool.enabled() && fresh.spool.path != config_.spool.path) {
      prepare_spool(fresh.spool, credentials, /*recover=*/false);
    }
    metrics = metrics_.prepare(fresh.metrics);
    reconciled = reconcile_listeners(listeners_, fresh.listeners, socket_group(credentials));
  } catch (const ConfigError& e) {
    for (const std::string& problem : e.problems()) spdlog::error("reload: {}", problem);
    spdlog::error("reload failed: still running the previous configuration");
    scoreboard_.counters().reloads_failed.fetch_add(1, std::memory_order_relaxed);
    if (ready_) notify("READY=1");
    return reload_failed(e.problems());
  } catch (const std::exception& e) {
    spdlog::error("reload failed: {}; still running the previous configuration", e.what());
    scoreboard_.counters().reloads_failed.fetch_add(1, std::memory_order_relaxed);
    if (ready_) notify("READY=1");
    return reload_failed({e.what()});
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
  metrics_.swap(std::move(metrics));
  ++generation_;
  // The new generation starts first; the old one then stops accepting and
  // drains. Both share the listening sockets, so no client is refused.
  std::vector<pid_t> old = table_.resize(0);
  target_workers_ = configured_pool_size();
  table_.resize(target_workers_);
  want_metrics();
  aux_.restart(ProcessRole::kMetrics);  // it serves the new generation's settings
  maintain_pool(now);
  retire(old);
  scoreboard_.counters().reloads_ok.fetch_add(1, std::memory_order_relaxed);
  std::string done =
      fmt::format("reloaded: generation {}, {} worker(s)", generation_, target_workers_);
  spdlog::info("{}", done);
  if (ready_) notify("READY=1");  // not before the first generation serves
  notify_status();
  return done + "\n";
}

// A first line for ackctl to tell the failure by, then one line per problem.
std::string Supervisor::reload_failed(const std::vector<std::string>& problems) const {
  std::string reply =
      "ERR reload failed, still running generation " + std::to_string(generation_) + ":\n";
  for (const std::string& problem : problems) reply += problem + "\n";
  return reply;
}

void Supervisor::start_upgrade(SteadyTime now) {
  if (draining_) {
    spdlog::warn("USR2 ignored: draining before a stop");
    return;
  }
  if (upgrade_) {
    spdlog::warn("USR2: an upgrade is already under way (new master pid {})", upgrade_->pid());
    return;
  }
  spdlog::info("USR2: starting {} with our listening sockets", binary_);
  control_.reset();  // the new master opens it under the same name
  try {
    upgrade_ = Upgrade::start(
        binary_, argv_, listeners_,
        {{scoreboard_.fd(), kScoreboardFdName}, {metrics_.socket_fd(), kMetricsFdName}},
        now + kUpgradeTimeout);
    scoreboard_.set_daemon_state(DaemonState::kUpgrading);
  } catch (const std::exception& e) {
    abandon_upgrade(e.what());
  }
}

// Once the new master is ready: tell systemd who the main process is now,
// then drain and exit, leaving the socket files to the new master.
void Supervisor::check_upgrade(SteadyTime now) {
  if (!upgrade_ || upgrade_->killed()) return;  // a killed one ends when reaped
  if (upgrade_->ready()) {
    pid_t pid = upgrade_->pid();
    spdlog::info("binary upgrade: new master (pid {}) is ready; draining and exiting", pid);
    control_clients_.answer_awaiting("upgrade", fmt::format("upgraded: new master pid {}\n", pid),
                                     now);
    notify("MAINPID=" + std::to_string(pid) + "\nSTATUS=handed over to pid " + std::to_string(pid));
    handed_over_ = true;
    scoreboard_.counters().upgrades_ok.fetch_add(1, std::memory_order_relaxed);
    upgrade_.reset();
    begin_stop(/*fast=*/false, now);
  } else if (now >= upgrade_->deadline()) {
    upgrade_->kill("the new master (pid " + std::to_string(upgrade_->pid()) +
                   ") was not ready within " + format_duration(kUpgradeTimeout));
  }
}

// Once the new master is gone (reaped, or never started). Serving fully
// again, control socket included, before the answer leaves: whoever asked
// may ask for status at once.
void Supervisor::abandon_upgrade(const std::string& why) {
  spdlog::error("binary upgrade failed: {}; still serving", why);
  scoreboard_.counters().upgrades_failed.fetch_add(1, std::memory_order_relaxed);
  drop_upgrade();
  if (!draining_) scoreboard_.set_daemon_state(DaemonState::kServing);
  if (!control_ && !config_.daemon.control_socket.empty()) {
    control_ = ControlServer::open(config_.daemon.control_socket, config_.daemon.group);
  }
  control_clients_.answer_awaiting("upgrade", "ERR upgrade failed: " + why + "\n",
                                   SteadyClock::now());
}

// A control socket that could not be made (its directory missing, say, or
// taken back from an abandoned upgrade while its path was in use) is tried
// again every second: ackctl works again once the cause is gone. Not while
// a new master holds it (an upgrade), nor while stopping.
void Supervisor::keep_control_socket(SteadyTime now) {
  if (control_ || config_.daemon.control_socket.empty() || upgrade_ || stopping_ || handed_over_ ||
      now < control_retry_at_) {
    return;
  }
  control_retry_at_ = now + std::chrono::seconds(1);
  control_ = ControlServer::open(config_.daemon.control_socket, config_.daemon.group,
                                 /*warn=*/false);
  if (control_) spdlog::info("control socket: listening at {}", config_.daemon.control_socket);
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
  pid_t self = getpid();
  for (size_t i = 0; i < scoreboard_.capacity(); ++i) {
    const ScoreboardEntry& e = scoreboard_.entry(i);
    if (held_by(e, self) && serves_clients(e.role.load(std::memory_order_relaxed)) &&
        e.heartbeat_ms.load(std::memory_order_relaxed) >= oldest) {
      return true;
    }
  }
  return false;
}

void Supervisor::tick_status(SteadyTime now) {
  if (now < next_status_) return;
  next_status_ = now + std::chrono::seconds(1);
  if (config_.spool.enabled()) enforce_spool_limit(config_.spool, config_.replication.forward());
  if (++status_ticks_ % 5 == 0) notify_status();
}

void Supervisor::reopen_logs() {
  // Workers run as `user` by now: the new file must be theirs to open (as
  // nginx does). Given through the fd the master opened, never by name.
  if (reopen_log_file() && credentials_) give_log_file(log_file_fd(), *credentials_);
  signal_workers(SIGUSR1);
  aux_.restart(ProcessRole::kMetrics);  // the exporter writes to the fd it was given
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

// A stop begins now, or once drain_before_stop has passed; a second
// request during the drain ends it.
bool Supervisor::stop_requested(const Requests& requests, SteadyTime now) {
  bool drained = draining_ && now >= drain_until_;
  if (!requests.stop && !drained) return false;
  if (requests.stop && !draining_ && config_.daemon.drain_before_stop.count() > 0) {
    begin_drain(now);
    return false;
  }
  begin_stop(requests.fast_stop, now);
  return true;
}

// Everything goes on (new connections are accepted) while the daemon says
// it drains, so that a load balancer sends new clients elsewhere first.
void Supervisor::begin_drain(SteadyTime now) {
  if (upgrade_) upgrade_->kill("a stop came first (drain_before_stop)");  // it would not stop
  draining_ = true;
  drain_until_ = now + config_.daemon.drain_before_stop;
  scoreboard_.set_daemon_state(DaemonState::kDraining);
  std::string what = "draining for " + format_duration(config_.daemon.drain_before_stop) +
                     " before stopping (drain_before_stop)";
  spdlog::info("{}: still serving, new connections too", what);
  notify("STOPPING=1\nSTATUS=" + what);
}

void Supervisor::begin_stop(bool fast, SteadyTime now) {
  if (stopping_) return;
  // A new master not ready yet would come up after we stopped, with the
  // sockets we passed it (and without the socket files we remove).
  if (upgrade_ && !handed_over_) {
    spdlog::warn("stopping: the binary upgrade (new master pid {}) is abandoned", upgrade_->pid());
    upgrade_->kill("ackd is stopping");
    drop_upgrade();
  }
  scoreboard_.set_daemon_state(DaemonState::kStopping);
  spdlog::info("stopping {}(shutdown_timeout {})", fast ? "now " : "gracefully ",
               format_duration(config_.daemon.shutdown_timeout));
  notify("STOPPING=1");
  stopping_ = true;
  stop_deadline_ = now + config_.daemon.shutdown_timeout;
  control_.reset();  // the clients already accepted are still answered
  control_clients_.answer_awaiting("reload", "ERR reload failed: ackd is stopping\n", now);
  control_clients_.answer_awaiting("upgrade", "ERR upgrade failed: ackd is stopping\n", now);
  for (Listener& listener : listeners_) listener.fd.reset();  // workers close theirs on TERM
  metrics_.close();
  aux_.stop();
  collect_stop_groups();
  if (fast) {
    kill_workers(now);
  } else if (handed_over_) {
    retire(table_.pids());  // the new master's workers serve their clients next
  } else {
    signal_workers(SIGTERM);
    orphans_.signal(SIGTERM);  // they drain, as the workers do
  }
}

void Supervisor::maintain_pool(SteadyTime now) {
  for (size_t slot : table_.due_slots(now)) spawn_worker(slot, now);
  aux_.maintain(now, generation_, master_fds());
}

void Supervisor::spawn_worker(size_t slot, SteadyTime now) {
  std::optional<size_t> entry =
      scoreboard_.claim(serving_role(), generation_, static_cast<uint32_t>(slot), steady_now_ms());
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
  spec.board = &scoreboard_;
  spec.reply_budget = &reply_budget_;
  spec.listener_board = &scoreboard_.listeners();
  spec.spool_board = &scoreboard_.spool();
  spec.serving_fd = serving_.write.get();
  spec.close_in_child = master_fds();
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

// What only the master may hold, closed in every child it starts.
std::vector<int> Supervisor::master_fds() const {
  std::vector<int> fds = {serving_.read.get(), scoreboard_.fd()};  // the mapping is inherited
  if (control_) fds.push_back(control_->fd());
  for (int fd : control_clients_.fds()) fds.push_back(fd);
  if (pidfile_) fds.push_back(pidfile_->fd());
  for (int fd : metrics_.fds()) fds.push_back(fd);  // the exporter's
  return fds;
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
// or stuck one ignores it), and those of dead dispatchers. Waits for them
// for a grace period at most.
void Supervisor::kill_workers(SteadyTime now) {
  collect_stop_groups();
  stop_groups_.prune();  // only groups still holding our children: never a stranger's
  stop_groups_.signal(SIGKILL);
  aux_.signal_all(SIGKILL);
  killed_ = true;
  stop_deadline_ = now + kKillGrace;
}

// The groups a stop waits for: the workers' (a group outlives its leader,
// so a worker gone already may have left connection processes behind) and
// the orphans'.
void Supervisor::collect_stop_groups() {
  for (pid_t pid : table_.pids()) stop_groups_.add(pid);
  for (pid_t group : orphans_.groups()) stop_groups_.add(group);
}

StatusSnapshot Supervisor::snapshot() const {
  StatusSnapshot s;
  s.version = kVersion;
  s.master_pid = getpid();
  s.started = started_unix_;
  s.uptime_ms = steady_now_ms() - started_ms_;
  s.generation = generation_;
  s.config_source = config_.source;
  s.mode = config_.daemon.mode == ProcessMode::kFork ? "fork" : "prefork";
  s.state = to_string(scoreboard_.daemon_state());
  for (const Listener& listener : listeners_) {
    s.listeners.push_back(
        {listener.config.name, std::string(to_string(listener.config.protocol)),
         is_unix(listener.config.protocol) ? listener.config.path : listener.bound.to_string()});
  }
  int64_t now_ms = steady_now_ms();
  pid_t self = getpid();
  for (size_t i = 0; i < scoreboard_.capacity(); ++i) {
    const ScoreboardEntry& e = scoreboard_.entry(i);
    WorkerState state = e.state.load(std::memory_order_relaxed);
    if (!held_by(e, self) || !serves_clients(e.role.load(std::memory_order_relaxed))) continue;
    WorkerRow row;
    row.pid = e.pid.load(std::memory_order_relaxed);
    row.slot = e.slot.load(std::memory_order_relaxed);
    row.generation = e.generation.load(std::memory_order_relaxed);
    row.state = to_string(state);
    row.open_connections = e.open_connections.load(std::memory_order_relaxed);
    row.connections = e.connections.load(std::memory_order_relaxed);
    row.messages = e.messages.load(std::memory_order_relaxed);
    row.replies = e.replies.load(std::memory_order_relaxed);
    row.errors = e.errors.load(std::memory_order_relaxed);
    row.dropped = e.dropped.load(std::memory_order_relaxed);
    row.refused = e.refused.load(std::memory_order_relaxed);
    row.heartbeat_age_ms = now_ms - e.heartbeat_ms.load(std::memory_order_relaxed);
    row.restarts = row.generation == generation_ ? table_.restarts(row.slot) : 0;
    ReplicationRow replication = read_replication_board(row.pid, e.replication);
    if (replication.on()) s.replication.push_back(replication);
    s.workers.push_back(row);
  }
  std::sort(s.workers.begin(), s.workers.end(), [](const WorkerRow& a, const WorkerRow& b) {
    return std::tie(a.generation, a.slot) < std::tie(b.generation, b.slot);
  });
  for (const AuxRow& aux : aux_.rows()) {
    AuxProcessRow row{to_string(aux.role), aux.pid, "starting", 0, aux.restarts};
    if (auto entry = aux.pid > 0 ? scoreboard_.find(aux.pid) : std::nullopt) {
      const ScoreboardEntry& e = scoreboard_.entry(*entry);
      row.state = to_string(e.state.load(std::memory_order_relaxed));
      row.heartbeat_age_ms = now_ms - e.heartbeat_ms.load(std::memory_order_relaxed);
    } else if (aux.pid == 0) {
      row.state = "respawning";
    }
    s.aux.push_back(row);
  }
  add_scoreboard_totals(s, scoreboard_);
  return s;
}

// With the spool (its directory read) and replication's totals, as the
// exporter serves them: only with these sections (exposition.cpp).
StatusSnapshot Supervisor::full_snapshot() const {
  StatusSnapshot s = snapshot();
  if (config_.spool.enabled()) s.spool = read_spool_status(config_.spool, scoreboard_);
  if (config_.replication.enabled()) {
    s.replication_totals = replication_summary(scoreboard_, s.totals.counts);
  }
  return s;
}

void Supervisor::notify_status() {
  StatusSnapshot s = snapshot();
  notify("STATUS=" + status_line(s));
}

}  // namespace ackd
