#include "daemon/master/process_groups.h"

#include <sys/wait.h>

#include <algorithm>
#include <csignal>

namespace ackd {

void ProcessGroups::add(pid_t group) {
  if (std::find(groups_.begin(), groups_.end(), group) == groups_.end()) groups_.push_back(group);
}

void ProcessGroups::signal(int signo) const {
  // A worker killed before its setpgid() leads no group yet: signal it alone.
  for (pid_t group : groups_) {
    if (kill(-group, signo) != 0) kill(group, signo);
  }
}

bool ProcessGroups::prune() {
  std::erase_if(groups_, [](pid_t group) { return !has_children_in_group(group); });
  return groups_.empty();
}

bool has_children_in_group(pid_t group) {
  // WNOWAIT: only a look, the reaping is the master's reap_children().
  siginfo_t info{};
  return waitid(P_PGID, static_cast<id_t>(group), &info, WEXITED | WNOHANG | WNOWAIT) == 0;
}

}  // namespace ackd
