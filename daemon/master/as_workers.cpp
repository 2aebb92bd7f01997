#include "daemon/master/as_workers.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <exception>
#include <stdexcept>
#include <string>

#include "common/syscall.h"
#include "common/unique_fd.h"
#include "daemon/spawn.h"

namespace ackd {
namespace {

std::string user_name(const std::optional<Credentials>& workers) {
  if (workers) return workers->user;
  passwd* pw = getpwuid(geteuid());
  return pw != nullptr ? pw->pw_name : "uid " + std::to_string(geteuid());
}

void write_text(int fd, const std::string& text) {
  size_t written = 0;
  while (written < text.size()) {
    ssize_t n =
        retry_eintr([&] { return write(fd, text.data() + written, text.size() - written); });
    if (n <= 0) return;
    written += static_cast<size_t>(n);
  }
}

std::string read_to_end(int fd) {
  std::string text;
  char buffer[512];
  ssize_t n;
  while ((n = retry_eintr([&] { return read(fd, buffer, sizeof(buffer)); })) > 0) {
    text.append(buffer, static_cast<size_t>(n));
  }
  return text;
}

}  // namespace

void run_as_workers(const std::optional<Credentials>& workers, const std::function<void()>& task) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe2", "as the workers' user");
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  pid_t pid = spawn_child(
      [&] {
        read_end.reset();
        try {
          if (workers) drop_privileges(*workers);
          task();
          return 0;
        } catch (const std::exception& e) {
          write_text(write_end.get(), e.what());
          return 1;
        }
      },
      SIGKILL);
  write_end.reset();
  std::string error = read_to_end(read_end.get());  // until the child exits
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (error.empty() && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
    error = "the check died (status " + std::to_string(status) + ")";
  }
  if (!error.empty()) throw std::runtime_error("as user " + user_name(workers) + ": " + error);
}

}  // namespace ackd
