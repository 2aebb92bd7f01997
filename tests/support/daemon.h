// Daemon: the integration tests' fixture. Runs the real ackd binary on a
// config in a temporary directory, waits for its READY=1 on a private
// NOTIFY_SOCKET (unless told not to), and at the end fails the test if the
// log holds an error line the test did not expect.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace ackd::test {

struct ProcessInfo {
  pid_t pid = 0;
  pid_t ppid = 0;
  char state = '?';
  uid_t uid = 0;
};

// Every process whose parent is `parent` (read from /proc).
std::vector<ProcessInfo> children_of(pid_t parent);
bool process_exists(pid_t pid);

struct DaemonOptions {
  std::string binary = ACKD_BINARY;     // or ACKD_HOOKED_BINARY
  std::vector<std::string> wrapper;     // argv prefix, e.g. {"prlimit", "--nofile=64"}
  std::vector<std::string> extra_args;  // after --config FILE
  std::vector<std::string> extra_env;   // "K=V"
  bool wait_ready = true;  // false: the constructor returns at once (see ready_notified)
};

// Options that preload `library` (a fault shim of tests/support) with its
// `settings` ("K=V"), the sanitizers' runtime allowed to come second.
DaemonOptions with_preload(const std::string& library, std::vector<std::string> settings);

class Daemon {
 public:
  // Writes `config` to ackd.conf in a new temp dir and starts ackd on it,
  // with a control socket in that dir (unless the config names one).
  explicit Daemon(const std::string& config, DaemonOptions options = {});
  ~Daemon();

  pid_t pid() const { return process_->pid(); }
  const TempDir& dir() const { return *dir_; }
  std::string config_path() const { return dir_->file("ackd.conf"); }
  std::string control_socket() const { return dir_->file("control.sock"); }
  std::string log() const;
  // Waits until the log contains `needle`.
  bool wait_for_log(const std::string& needle,
                    std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
  // Worker pids (children of the master), waiting until there are `count`.
  std::vector<pid_t> workers(size_t count,
                             std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

  void signal(int signo) { process_->send_signal(signo); }
  // Sends `signo` to the master and waits until the loop turn that took it
  // is over: the signal is delivered (no longer pending), then a status
  // request is answered, which happens in a later turn. What the master
  // does at once for that signal is done (and logged) by then; false if
  // not within `timeout`. Needs the control socket.
  bool signal_and_settle(int signo, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Sends TERM and waits; returns the raw wait status (nullopt: still running).
  std::optional<int> stop(std::chrono::milliseconds timeout = std::chrono::seconds(15));
  std::optional<int> wait_for(std::chrono::milliseconds timeout) {
    return process_->wait_for(timeout);
  }
  // Whether the daemon has said READY=1, waiting up to `timeout` for it
  // (for a daemon started with wait_ready = false).
  bool ready_notified(std::chrono::milliseconds timeout = std::chrono::milliseconds(0));
  // Log lines at error level or above are expected from now on.
  void allow_errors() { allow_errors_ = true; }

 private:
  void wait_ready();
  bool receive_ready(std::chrono::milliseconds timeout);

  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<Subprocess> process_;
  int notify_fd_ = -1;
  bool ready_ = false;
  bool allow_errors_ = false;
};

}  // namespace ackd::test
