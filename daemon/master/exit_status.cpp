#include "daemon/master/exit_status.h"

#include <sys/wait.h>

#include <cstring>

namespace ackd {

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

}  // namespace ackd
