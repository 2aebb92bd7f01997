// Running the real binaries from tests: run() for a command that finishes
// (output captured, killed on timeout), Subprocess for a background server.
// Children start with default signal dispositions and an empty signal mask;
// they inherit only CLOEXEC-free fds. Spawn failures throw std::system_error.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace ackd::test {

struct RunResult {
  int exit_code = -1;      // -1 unless the process exited
  int term_signal = 0;     // the signal that killed it, or 0
  bool timed_out = false;  // killed with SIGKILL after the timeout
  std::string out, err;
};

// Runs argv (argv[0] a path, or a name searched in $PATH) with `stdin_text`
// on its stdin (then EOF), captures stdout and stderr, and SIGKILLs it after
// `timeout`.
RunResult run(const std::vector<std::string>& argv, const std::string& stdin_text = "",
              std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A process running in the background; stdin is /dev/null. The destructor
// SIGKILLs and reaps it if it is still running.
class Subprocess {
 public:
  // extra_env: "K=V" entries added to (or replacing in) the environment.
  // stdout_path/stderr_path: files to append to; empty = inherit ours.
  explicit Subprocess(std::vector<std::string> argv, std::vector<std::string> extra_env = {},
                      std::string stdout_path = "", std::string stderr_path = "");
  ~Subprocess();
  Subprocess(Subprocess&& other) noexcept;
  Subprocess& operator=(Subprocess&&) = delete;
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  // Does nothing once the process has been reaped.
  void send_signal(int sig);
  // The raw wait status once the process has exited (it is then reaped), or
  // nullopt if it is still running after `timeout`.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);
  bool running();

 private:
  bool try_reap();

  pid_t pid_ = -1;
  std::optional<int> status_;
};

}  // namespace ackd::test
