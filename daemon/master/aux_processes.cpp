#include "daemon/master/aux_processes.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>

#include <spdlog/spdlog.h>

#include "common/duration.h"
#include "daemon/master/exit_status.h"
#include "daemon/spawn.h"

namespace ackd {

AuxProcesses::AuxProcesses(Scoreboard& scoreboard, RespawnPolicy policy)
    : scoreboard_(scoreboard), policy_(policy) {}

AuxProcesses::Role* AuxProcesses::find(ProcessRole role) {
  for (Role& r : roles_) {
    if (r.spec.role == role) return &r;
  }
  return nullptr;
}

void AuxProcesses::want(AuxRole spec) {
  Role* role = find(spec.role);
  if (role == nullptr) role = &roles_.emplace_back(Role{spec, ProcessTable(policy_)});
  role->spec = std::move(spec);
  if (role->table.size() == 0) role->table.resize(1);
}

void AuxProcesses::drop(ProcessRole which) {
  Role* role = find(which);
  if (role == nullptr) return;
  for (pid_t pid : role->table.resize(0)) kill(pid, SIGTERM);
}

void AuxProcesses::restart(ProcessRole which) {
  Role* role = find(which);
  if (role == nullptr || role->table.size() == 0) return;
  // Retired, not crashed: its exit is not counted, and the slot is due now.
  std::vector<pid_t> old = role->table.resize(0);
  role->table.resize(1);
  for (pid_t pid : old) kill(pid, SIGTERM);
}

void AuxProcesses::maintain(TimePoint now, uint32_t generation,
                            const std::vector<int>& close_in_child) {
  for (Role& role : roles_) {
    if (role.table.recovered(now)) {
      spdlog::info("{} process stable again: respawn throttling ended", to_string(role.spec.role));
    }
    if (!role.table.due_slots(now).empty()) spawn(role, now, generation, close_in_child);
  }
}

void AuxProcesses::spawn(Role& role, TimePoint now, uint32_t generation,
                         const std::vector<int>& close_in_child) {
  const char* name = to_string(role.spec.role);
  std::optional<size_t> entry = scoreboard_.claim(role.spec.role, generation, 0, steady_now_ms());
  if (!entry) {
    spdlog::error("scoreboard full: not starting the {} process", name);
    role.table.failed_to_start(0, now);
    return;
  }
  AuxChild child{&scoreboard_.entry(*entry), *entry, getpid()};
  try {
    // Its own process group, as the workers: a ^C on the terminal reaches
    // the master only, which stops everyone in order.
    pid_t pid = spawn_child(
        [&] {
          setpgid(0, 0);
          for (int fd : close_in_child) {
            const std::vector<int>& keep = role.spec.keep_fds;
            if (std::find(keep.begin(), keep.end(), fd) == keep.end()) close(fd);
          }
          return role.spec.body(child);
        },
        SIGTERM);
    setpgid(pid, pid);
    scoreboard_.entry(*entry).pid.store(pid, std::memory_order_relaxed);
    role.table.started(0, pid, now);
    spdlog::debug("started the {} process (pid {})", name, pid);
  } catch (const std::system_error& e) {
    spdlog::error("{} process: {}", name, e.what());
    scoreboard_.release(*entry);
    role.table.failed_to_start(0, now);
  }
}

bool AuxProcesses::reaped(pid_t pid, int status, TimePoint now, bool stopping) {
  for (Role& role : roles_) {
    std::vector<pid_t> pids = role.table.pids();
    if (std::find(pids.begin(), pids.end(), pid) == pids.end()) continue;
    bool current = role.table.owns(pid);
    bool clean = (WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
                 ((stopping || !current) && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    std::optional<WorkerExit> exit = role.table.exited(pid, now, clean);
    if (!exit) return true;  // a retired one
    const char* name = to_string(role.spec.role);
    if (clean) {
      spdlog::debug("{} process (pid {}) exited", name, pid);
      return true;
    }
    spdlog::warn("{} process (pid {}) {}", name, pid, describe_exit(status));
    RoleCounters& counters = scoreboard_.counters().role(role.spec.role);
    counters.restarts.fetch_add(1, std::memory_order_relaxed);
    if (exit->died_young) {
      counters.throttled.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("{} process dies young: next respawn in {}", name,
                   format_duration(exit->respawn_delay));
    }
    return true;
  }
  return false;
}

void AuxProcesses::stop() {
  for (Role& role : roles_) role.table.resize(0);
  signal_all(SIGTERM);
}

void AuxProcesses::signal_all(int signo) {
  for (pid_t pid : pids()) kill(pid, signo);
}

std::optional<TimePoint> AuxProcesses::next_due() const {
  std::optional<TimePoint> next;
  for (const Role& role : roles_) {
    std::optional<TimePoint> due = role.table.next_due();
    if (due && (!next || *due < *next)) next = due;
  }
  return next;
}

size_t AuxProcesses::running() const { return pids().size(); }

std::vector<pid_t> AuxProcesses::pids() const {
  std::vector<pid_t> pids;
  for (const Role& role : roles_) {
    for (pid_t pid : role.table.pids()) pids.push_back(pid);
  }
  return pids;
}

std::vector<AuxRow> AuxProcesses::rows() const {
  std::vector<AuxRow> rows;
  for (const Role& role : roles_) {
    if (role.table.size() == 0) continue;
    AuxRow row;
    row.role = role.spec.role;
    row.pid = role.table.pid_in(0);
    row.restarts = role.table.restarts(0);
    rows.push_back(row);
  }
  return rows;
}

}  // namespace ackd
