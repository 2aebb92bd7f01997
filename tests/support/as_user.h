// Acting as an unprivileged local user, for the tests of what the root
// master does with files that user controls: a forked child drops to the
// user (no supplementary groups, its gid, its uid) and takes the
// attacker's step, so the step can do only what that user could.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>

namespace ackd::test {

struct LocalUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;  // the primary group
};

// The account named `name`, or nullopt if there is none.
std::optional<LocalUser> local_user(const char* name);

// Runs `step` in a child process running as `user`; true if it returned
// true. What fails in the child is printed to stderr.
bool as_user(const LocalUser& user, const std::function<bool()>& step);

// Gives `path` (not following a symbolic link) to `user`.
void give_to(const std::string& path, const LocalUser& user);

}  // namespace ackd::test
