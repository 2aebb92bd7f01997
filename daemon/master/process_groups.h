// ProcessGroups: the process groups the master must see empty before it
// exits, each led by a worker it spawned (fork mode's connection processes
// are in their dispatcher's group). The master is the subreaper, so the
// connection processes a dead dispatcher leaves become its children: a group
// is gone once no child of the master is left in it, and its id cannot be
// reused before that, so signalling it never reaches a stranger.
#pragma once

#include <sys/types.h>

#include <vector>

namespace ackd {

class ProcessGroups {
 public:
  void add(pid_t group);  // once; a group already held is not added again
  // Sends `signo` to every process of every group.
  void signal(int signo) const;
  // Forgets the groups that are gone; true once none is left.
  bool prune();
  bool empty() const { return groups_.empty(); }
  const std::vector<pid_t>& groups() const { return groups_; }

 private:
  std::vector<pid_t> groups_;
};

// True while some child of ours (a zombie too) is in process group `group`.
bool has_children_in_group(pid_t group);

}  // namespace ackd
