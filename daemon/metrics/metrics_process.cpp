#include "daemon/metrics/metrics_process.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

#include <spdlog/spdlog.h>

#include "common/syscall.h"
#include "daemon/master/upgrade.h"

extern char** environ;

namespace ackd {
namespace {

constexpr const char* kExporterName = "ackd-metrics";
constexpr int kHighFd = 10;  // above the fds the exporter gets, while they move

std::string sibling_of_binary() {
  std::string self = current_binary_path();
  size_t slash = self.rfind('/');
  return slash == std::string::npos ? std::string() : self.substr(0, slash + 1) + kExporterName;
}

// `fd` copied above the targets, CLOEXEC: a dup2 onto 3 or 4 cannot
// overwrite it (the binary's fd may well be 4).
int lift(int fd) {
  if (fd < 0) return -1;
  int lifted = fcntl(fd, F_DUPFD_CLOEXEC, kHighFd);
  if (lifted < 0) throw_errno("fcntl(F_DUPFD)", "exporter fd");
  return lifted;
}

void place(int from, int to) {
  if (dup2(from, to) < 0) throw_errno("dup2", "exporter fd " + std::to_string(to));
}

// In the child, as the workers' user: the exporter gets the socket and the
// scoreboard as fds 3 and 4, the log file (if any) as stderr.
int exec_exporter(const ExporterLaunch& launch, const AuxChild& child) {
  if (launch.credentials) {
    drop_privileges(*launch.credentials);
    prctl(PR_SET_PDEATHSIG, SIGTERM);  // a change of user cleared it
    if (getppid() != child.master_pid) return 0;
  }
  ExporterOptions options = launch.options;
  options.entry = child.entry_index;
  options.master_pid = child.master_pid;
  int binary = lift(launch.binary_fd);
  int listen = lift(launch.listen_fd);
  int scoreboard = lift(launch.scoreboard_fd);
  int log = lift(launch.log_fd);
  place(listen, options.listen_fd);
  place(scoreboard, options.scoreboard_fd);
  if (log >= 0) place(log, STDERR_FILENO);
  std::vector<std::string> args = options.to_argv(kExporterName);
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  syscall(SYS_execveat, binary, "", argv.data(), environ, AT_EMPTY_PATH);
  spdlog::error("cannot run the metrics exporter: execveat: {}", std::strerror(errno));
  return 127;
}

}  // namespace

UniqueFd open_exporter_binary() {
  std::string sibling = sibling_of_binary();
  if (!sibling.empty() && access(sibling.c_str(), X_OK) == 0) {
    UniqueFd fd(open(sibling.c_str(), O_PATH | O_CLOEXEC));
    if (fd) return fd;
  }
  std::string installed = std::string(ACKD_LIBEXECDIR) + "/" + kExporterName;
  UniqueFd fd(open(installed.c_str(), O_PATH | O_CLOEXEC));
  if (!fd) throw_errno("open", installed + " (the [metrics] exporter)");
  return fd;
}

AuxRole metrics_role(ExporterLaunch launch) {
  AuxRole role;
  role.role = ProcessRole::kMetrics;
  role.keep_fds = {launch.binary_fd, launch.listen_fd, launch.scoreboard_fd, launch.log_fd};
  role.body = [launch](const AuxChild& child) { return exec_exporter(launch, child); };
  return role;
}

}  // namespace ackd
