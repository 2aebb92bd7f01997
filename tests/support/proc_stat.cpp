#include "tests/support/proc_stat.h"

#include <sys/resource.h>

#include <csignal>
#include <fstream>
#include <iterator>
#include <sstream>

#include "tests/support/daemon.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

// The fields of /proc/<pid>/stat after "(comm)": state is the first.
std::vector<std::string> stat_fields(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return {};
  std::istringstream rest(stat.substr(paren + 1));
  return {std::istream_iterator<std::string>(rest), std::istream_iterator<std::string>()};
}

// SIGSTOP, then waits (up to 5 s) to see it stopped: kill() returns before
// the signal takes effect on another CPU. A zombie counts as stopped (it
// never runs again): a child that died as its stopped parent was stopped
// stays one (its parent cannot reap it), and waiting on it cost 5 s each,
// 20 s in all at times, in the chaos tests.
void stop_and_wait(pid_t pid) {
  if (kill(pid, SIGSTOP) != 0) return;
  wait_until(
      [&] {
        char state = process_state(pid);
        return state == 'T' || state == 'Z' || state == 'X' || state == '?';
      },
      std::chrono::seconds(5));
}

}  // namespace

char process_state(pid_t pid) {
  std::vector<std::string> fields = stat_fields(pid);
  return fields.empty() || fields[0].empty() ? '?' : fields[0][0];
}

std::vector<pid_t> serving_processes(pid_t master) {
  std::vector<pid_t> pids;
  for (const ProcessInfo& child : children_of(master)) {
    pids.push_back(child.pid);
    for (const ProcessInfo& grandchild : children_of(child.pid)) pids.push_back(grandchild.pid);
  }
  return pids;
}

std::vector<pid_t> stop_whole_daemon(pid_t master) {
  stop_and_wait(master);
  for (const ProcessInfo& child : children_of(master)) stop_and_wait(child.pid);
  std::vector<pid_t> pids = serving_processes(master);
  for (pid_t pid : pids) kill(pid, SIGSTOP);
  return pids;
}

// Connection processes first, the master last. The master's death orphans
// each dispatcher's process group, and the kernel continues an orphaned
// group with stopped members (SIGHUP, which workers ignore, then SIGCONT):
// one not yet sent SIGKILL by then would run, and answer its client for a
// dispatcher killed under it. A process sent SIGKILL never runs again,
// continued or not.
void kill_stopped_daemon(pid_t master, const std::vector<pid_t>& pids) {
  for (auto pid = pids.rbegin(); pid != pids.rend(); ++pid) kill(*pid, SIGKILL);
  kill(master, SIGKILL);
}

std::vector<pid_t> kill_whole_daemon(pid_t master) {
  std::vector<pid_t> pids = stop_whole_daemon(master);
  kill_stopped_daemon(master, pids);
  return pids;
}

bool alive(pid_t pid) {
  std::vector<std::string> fields = stat_fields(pid);
  return !fields.empty() && fields[0] != "Z" && fields[0] != "X";
}

bool signal_pending(pid_t pid, int signo) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/status");
  uint64_t bit = uint64_t{1} << (signo - 1);
  for (std::string line; std::getline(file, line);) {
    // SigPnd: sent to the thread; ShdPnd: sent to the process (kill()).
    if (line.rfind("SigPnd:", 0) != 0 && line.rfind("ShdPnd:", 0) != 0) continue;
    if (std::stoull(line.substr(7), nullptr, 16) & bit) return true;
  }
  return false;
}

std::optional<int64_t> cpu_ticks(pid_t pid) {
  std::vector<std::string> fields = stat_fields(pid);
  // utime and stime are fields 14 and 15 of stat; state (field 3) is fields[0].
  if (fields.size() < 13) return std::nullopt;
  return std::stoll(fields[11]) + std::stoll(fields[12]);
}

std::vector<uint64_t> status_numbers(pid_t pid, const std::string& field) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(file, line);) {
    if (line.rfind(field + ":", 0) != 0) continue;
    std::istringstream values(line.substr(field.size() + 1));
    return {std::istream_iterator<uint64_t>(values), std::istream_iterator<uint64_t>()};
  }
  return {};
}

uint64_t raise_fd_limit(uint64_t wanted) {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
    limit.rlim_cur =
        limit.rlim_max == RLIM_INFINITY ? wanted : std::min<rlim_t>(wanted, limit.rlim_max);
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

}  // namespace ackd::test
