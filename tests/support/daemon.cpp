#include "tests/support/daemon.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "tests/support/exchange.h"
#include "tests/support/proc_stat.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

std::optional<ProcessInfo> read_process(pid_t pid) {
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  ProcessInfo info;
  info.pid = pid;
  std::istringstream rest(stat.substr(paren + 2));
  rest >> info.state >> info.ppid;
  std::istringstream status(read_file("/proc/" + std::to_string(pid) + "/status"));
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Uid:", 0) == 0) info.uid = static_cast<uid_t>(std::stoul(line.substr(4)));
  }
  return info;
}

// Each daemon gets its own control socket (not /run/ackd/control.sock),
// unless the test chose one.
std::string with_control_socket(const std::string& config, const std::string& path) {
  if (config.find("control_socket") != std::string::npos) return config;
  std::string line = "control_socket = \"" + path + "\"\n";
  size_t daemon = config.find("[daemon]\n");
  if (daemon == std::string::npos) return "[daemon]\n" + line + config;
  return config.substr(0, daemon + 9) + line + config.substr(daemon + 9);
}

}  // namespace

std::vector<ProcessInfo> children_of(pid_t parent) {
  std::vector<ProcessInfo> children;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return children;
  while (dirent* entry = readdir(proc)) {
    pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
    if (pid <= 0) continue;
    auto info = read_process(pid);
    if (info && info->ppid == parent) children.push_back(*info);
  }
  closedir(proc);
  return children;
}

bool process_exists(pid_t pid) { return kill(pid, 0) == 0 || errno == EPERM; }

DaemonOptions with_preload(const std::string& library, std::vector<std::string> settings) {
  DaemonOptions options;
  const char* asan = std::getenv("ASAN_OPTIONS");
  options.extra_env = std::move(settings);
  options.extra_env.push_back("LD_PRELOAD=" + library);
  // The sanitizers' runtime must come first, unless told not to check.
  options.extra_env.push_back(std::string("ASAN_OPTIONS=") +
                              (asan != nullptr ? std::string(asan) + ":" : "") +
                              "verify_asan_link_order=0");
  return options;
}

Daemon::Daemon(const std::string& config, DaemonOptions options)
    : dir_(std::make_unique<TempDir>()) {
  std::ofstream(config_path()) << with_control_socket(config, control_socket());
  std::string notify_path = dir_->file("notify.sock");
  notify_fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, notify_path.c_str(), sizeof(address.sun_path) - 1);
  if (bind(notify_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    throw std::runtime_error("bind notify socket: " + std::string(std::strerror(errno)));
  }
  std::vector<std::string> argv = options.wrapper;
  argv.insert(argv.end(), {options.binary, "--config", config_path()});
  argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
  std::vector<std::string> env = options.extra_env;
  env.push_back("NOTIFY_SOCKET=" + notify_path);
  process_ = std::make_unique<Subprocess>(argv, env, "", dir_->file("ackd.log"));
  if (options.wait_ready) wait_ready();
}

void Daemon::wait_ready() {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    if (receive_ready(std::chrono::milliseconds(50))) {
      // Nobody reads later notifications: close the socket so they fail
      // at once instead of filling its queue.
      close(notify_fd_);
      notify_fd_ = -1;
      unlink(dir_->file("notify.sock").c_str());
      return;
    }
    if (!process_->running()) {
      throw std::runtime_error("ackd exited before it was ready; its log:\n" + log());
    }
  }
  throw std::runtime_error("ackd not ready within 15s; its log:\n" + log());
}

// Reads the notifications that came within `timeout`; true once READY=1 did.
bool Daemon::receive_ready(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!ready_ && notify_fd_ >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd fd{notify_fd_, POLLIN, 0};
    if (poll(&fd, 1, static_cast<int>(std::max<int64_t>(left.count(), 0))) <= 0) break;
    char buffer[512];
    ssize_t n = recv(notify_fd_, buffer, sizeof(buffer), 0);
    if (n > 0 && std::string(buffer, n).find("READY=1") != std::string::npos) ready_ = true;
  }
  return ready_;
}

bool Daemon::ready_notified(std::chrono::milliseconds timeout) { return receive_ready(timeout); }

Daemon::~Daemon() {
  if (process_->running() && !stop()) {
    ADD_FAILURE() << "ackd did not stop within 15s of SIGTERM";
    process_->send_signal(SIGKILL);
  }
  if (notify_fd_ >= 0) close(notify_fd_);
  if (::testing::Test::HasFailure()) std::cerr << "--- the daemon's log:\n" << log() << "---\n";
  if (!allow_errors_) {
    std::istringstream lines(log());
    for (std::string line; std::getline(lines, line);) {
      bool bad = line.find(" error: ") != std::string::npos ||
                 line.find(" critical: ") != std::string::npos;
      EXPECT_FALSE(bad) << "unexpected error in the daemon's log: " << line;
    }
  }
}

std::string Daemon::log() const { return read_file(dir_->file("ackd.log")); }

bool Daemon::wait_for_log(const std::string& needle, std::chrono::milliseconds timeout) const {
  return wait_until([&] { return log().find(needle) != std::string::npos; }, timeout);
}

std::vector<pid_t> Daemon::workers(size_t count, std::chrono::milliseconds timeout) const {
  std::vector<pid_t> pids;
  wait_until(
      [&] {
        pids.clear();
        for (const ProcessInfo& child : children_of(pid())) {
          if (child.state != 'Z') pids.push_back(child.pid);
        }
        return pids.size() == count;
      },
      timeout);
  return pids;
}

bool Daemon::signal_and_settle(int signo, std::chrono::milliseconds timeout) {
  signal(signo);
  return wait_until([&] { return !signal_pending(pid(), signo); }, timeout) &&
         wait_until([&] { return daemon_status(control_socket()).has_value(); }, timeout);
}

std::optional<int> Daemon::stop(std::chrono::milliseconds timeout) {
  process_->send_signal(SIGTERM);
  return process_->wait_for(timeout);
}

}  // namespace ackd::test
