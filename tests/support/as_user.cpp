#include "tests/support/as_user.h"

#include <grp.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <exception>

#include "common/syscall.h"

namespace ackd::test {

std::optional<LocalUser> local_user(const char* name) {
  passwd* pw = getpwnam(name);
  if (pw == nullptr) return std::nullopt;
  return LocalUser{name, pw->pw_uid, pw->pw_gid};
}

bool as_user(const LocalUser& user, const std::function<bool()>& step) {
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) throw_errno("fork", "as " + user.name);
  if (pid == 0) {
    if (setgroups(0, nullptr) != 0 || setgid(user.gid) != 0 || setuid(user.uid) != 0) {
      std::perror("as_user: dropping privileges");
      _exit(2);
    }
    bool ok = false;
    try {
      ok = step();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "as_user: %s\n", e.what());
    }
    std::fflush(nullptr);
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void give_to(const std::string& path, const LocalUser& user) {
  if (lchown(path.c_str(), user.uid, user.gid) != 0) throw_errno("lchown", path);
}

}  // namespace ackd::test
