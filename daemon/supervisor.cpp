#include "daemon/supervisor.h"

#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include <spdlog/spdlog.h>

#include "daemon/notify.h"
#include "daemon/spawn.h"
#include "daemon/worker.h"

namespace ackd {
namespace {

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

Supervisor::Supervisor(Config config)
    : config_(std::move(config)),
      signals_({SIGCHLD, SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2, SIGTTIN, SIGTTOU}) {}

Supervisor::~Supervisor() {
  for (const Listener& listener : listeners_) remove_socket_file(listener);
}

void Supervisor::start() {
  credentials_ = resolve_credentials(config_.daemon);
  if (!config_.daemon.user.empty() && !credentials_) {
    spdlog::warn("daemon.user = \"{}\" ignored: the master does not run as root",
                 config_.daemon.user);
  }
  for (const ListenerConfig& listener : config_.listeners) {
    listeners_.push_back(open_listener(listener));
    spdlog::info("listening on {} ({})", listener.describe(), listener.name);
  }
  ignore_sigpipe();
  // Orphaned connection processes of fork mode are reparented to us, and reaped.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  table_.resize(pool_size());
}

size_t Supervisor::pool_size() const {
  // Fork mode: one dispatcher accepts and forks a process per connection.
  return config_.daemon.mode == ProcessMode::kFork ? 1 : config_.daemon.resolved_workers();
}

int Supervisor::run() {
  maintain_pool(Clock::now());
  notify("READY=1\nSTATUS=serving\nMAINPID=" + std::to_string(getpid()));
  spdlog::info("ready: {} {} with config {}", table_.running(),
               config_.daemon.mode == ProcessMode::kFork ? "fork-mode dispatcher" : "worker(s)",
               config_.source);
  while (true) {
    wait_for_events(Clock::now());
    SignalSet signals = signals_.take();
    TimePoint now = Clock::now();
    if (signals.has(SIGCHLD)) reap_children(now);
    for (int signo : {SIGTERM, SIGINT, SIGQUIT}) {
      if (signals.has(signo)) begin_stop(signo, now);
    }
    if (stopping_) {
      if (table_.running() == 0) break;
      if (!killed_ && now >= stop_deadline_) {
        spdlog::warn("shutdown_timeout ({}) reached: killing {} worker(s)",
                     format_duration(config_.daemon.shutdown_timeout), table_.running());
        signal_workers(SIGKILL);
        killed_ = true;
      }
      continue;
    }
    if (table_.recovered(now)) spdlog::info("workers are stable again: respawn throttling ended");
    maintain_pool(now);
  }
  spdlog::info("stopped");
  return 0;
}

void Supervisor::wait_for_events(TimePoint now) {
  int timeout_ms = 1000;
  std::optional<TimePoint> next = stopping_ ? std::optional(stop_deadline_) : table_.next_due();
  if (next) {
    auto until = std::chrono::duration_cast<std::chrono::milliseconds>(*next - now).count();
    timeout_ms = static_cast<int>(std::clamp<int64_t>(until + 1, 0, 1000));
  }
  pollfd fd{signals_.fd(), POLLIN, 0};
  poll(&fd, 1, timeout_ms);
}

void Supervisor::reap_children(TimePoint now) {
  int status = 0;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    std::optional<WorkerExit> exit = table_.exited(pid, now);
    if (!exit) continue;  // a retired worker, or an orphaned connection process
    // A worker that got our TERM before its own handlers were set dies of it.
    bool clean = (WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
                 (stopping_ && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    if (stopping_ && clean) {
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

void Supervisor::begin_stop(int signo, TimePoint now) {
  if (stopping_) {
    if (signo == SIGINT) {  // a second ^C: stop now
      signal_workers(SIGKILL);
      killed_ = true;
    }
    return;
  }
  spdlog::info("{}: stopping gracefully (shutdown_timeout {})", strsignal(signo),
               format_duration(config_.daemon.shutdown_timeout));
  notify("STOPPING=1");
  stopping_ = true;
  stop_deadline_ = now + config_.daemon.shutdown_timeout;
  for (Listener& listener : listeners_) listener.fd.reset();  // workers close theirs on TERM
  signal_workers(SIGTERM);
}

void Supervisor::maintain_pool(TimePoint now) {
  for (size_t slot : table_.due_slots(now)) spawn_worker(slot, now);
}

void Supervisor::spawn_worker(size_t slot, TimePoint now) {
  WorkerSpec spec;
  spec.config = &config_;
  spec.listeners = &listeners_;
  spec.role =
      config_.daemon.mode == ProcessMode::kFork ? "dispatcher" : "worker " + std::to_string(slot);
  spec.credentials = credentials_;
  spec.master_pid = getpid();
  try {
    pid_t pid = spawn_child([&] { return run_worker(spec); }, SIGTERM);
    table_.started(slot, pid, now);
    spdlog::debug("started {} (pid {})", spec.role, pid);
  } catch (const std::system_error& e) {
    // Out of processes or memory: treat like a young death and retry later.
    spdlog::error("{}: {}", spec.role, e.what());
    table_.failed_to_start(slot, now);
  }
}

void Supervisor::signal_workers(int signo) {
  for (pid_t pid : table_.pids()) kill(pid, signo);
}

}  // namespace ackd
