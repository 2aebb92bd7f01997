#include "tests/support/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <thread>

#include "common/syscall.h"
#include "common/unique_fd.h"

extern char** environ;

namespace ackd::test {
namespace {

using Clock = std::chrono::steady_clock;

struct Pipe {
  UniqueFd read, write;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe2", "");
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// The environment with `extra` ("K=V") added or replacing same-named entries.
std::vector<std::string> make_env(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    bool replaced = false;
    for (const auto& x : extra) {
      replaced |= entry.substr(0, entry.find('=') + 1) == x.substr(0, x.find('=') + 1);
    }
    if (!replaced) env.emplace_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

// In the child, between fork and exec: async-signal-safe calls only. Reports
// an exec failure's errno through `error_fd` (CLOEXEC, so success closes it).
[[noreturn]] void exec_child(char** argv, char** envp, const int (&stdio)[3], int error_fd) {
  for (int target = 0; target < 3; ++target) {
    if (stdio[target] >= 0 && ::dup2(stdio[target], target) < 0) _exit(127);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);  // e.g. our ignored SIGPIPE
  ::execvpe(argv[0], argv, envp);
  int err = errno;
  [[maybe_unused]] ssize_t ignored = ::write(error_fd, &err, sizeof(err));
  _exit(127);
}

// Forks and execs; stdio[i] < 0 means inherit. Throws if exec fails.
pid_t spawn(std::vector<std::string> argv, const std::vector<std::string>& extra_env,
            const int (&stdio)[3]) {
  if (argv.empty()) throw std::invalid_argument("spawn: empty argv");
  std::vector<std::string> env = make_env(extra_env);
  std::vector<char*> c_argv = c_strings(argv), c_env = c_strings(env);
  Pipe error = make_pipe();
  pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork", argv[0]);
  if (pid == 0) exec_child(c_argv.data(), c_env.data(), stdio, error.write.get());
  error.write.reset();
  int err = 0;
  if (retry_eintr([&] { return ::read(error.read.get(), &err, sizeof(err)); }) > 0) {
    retry_eintr([&] { return ::waitpid(pid, nullptr, 0); });
    throw_errno("exec", argv[0], err);
  }
  return pid;
}

// A test writing to a child that already exited must get EPIPE, not die.
void ignore_sigpipe() {
  static const bool done = [] { return signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
  (void)done;
}

// Captures a child's stdout and stderr and feeds its stdin, all through
// non-blocking pipes driven by one poll loop.
class Capture {
 public:
  explicit Capture(const std::string& stdin_text) : input_(stdin_text) {}

  // Our ends of the pipes in the order poll() sees them: stdin, out, err.
  UniqueFd ends[3];

  // Moves data for at most `wait`; returns false once all pipes are done.
  bool pump(std::chrono::milliseconds wait, RunResult& result);

 private:
  void feed();
  void drain(int index, std::string& into);

  std::string input_;
  size_t written_ = 0;
};

bool Capture::pump(std::chrono::milliseconds wait, RunResult& result) {
  pollfd fds[3];
  nfds_t count = 0;
  for (int i = 0; i < 3; ++i) {
    fds[i] = {ends[i].get(), static_cast<short>(i == 0 ? POLLOUT : POLLIN), 0};
    count += ends[i] ? 1 : 0;
  }
  if (count == 0) return false;
  if (retry_eintr([&] { return ::poll(fds, 3, static_cast<int>(wait.count())); }) < 0) {
    throw_errno("poll", "");
  }
  if (fds[0].revents != 0) feed();
  if (fds[1].revents != 0) drain(1, result.out);
  if (fds[2].revents != 0) drain(2, result.err);
  return true;
}

void Capture::feed() {
  if (written_ < input_.size()) {
    ssize_t n = ::write(ends[0].get(), input_.data() + written_, input_.size() - written_);
    if (n > 0) written_ += static_cast<size_t>(n);
    if (n < 0 && errno != EAGAIN && errno != EINTR) written_ = input_.size();  // EPIPE
  }
  if (written_ == input_.size()) ends[0].reset();  // EOF on the child's stdin
}

void Capture::drain(int index, std::string& into) {
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(ends[index].get(), buffer, sizeof(buffer))) > 0) {
    into.append(buffer, static_cast<size_t>(n));
  }
  if (n == 0 || (errno != EAGAIN && errno != EINTR)) ends[index].reset();
}

void set_nonblocking(int fd) {
  if (::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) throw_errno("fcntl", "");
}

void fill_status(int status, RunResult& result) {
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.term_signal = WTERMSIG(status);
}

// Spawns argv with its stdin, stdout and stderr on pipes whose other ends
// `capture` gets; the child's ends are closed here once it has them.
pid_t spawn_captured(const std::vector<std::string>& argv, Capture& capture) {
  Pipe in = make_pipe(), out = make_pipe(), err = make_pipe();
  pid_t pid = spawn(argv, {}, {in.read.get(), out.write.get(), err.write.get()});
  capture.ends[0] = std::move(in.write);
  capture.ends[1] = std::move(out.read);
  capture.ends[2] = std::move(err.read);
  for (auto& end : capture.ends) set_nonblocking(end.get());
  return pid;
}

}  // namespace

RunResult run(const std::vector<std::string>& argv, const std::string& stdin_text,
              std::chrono::milliseconds timeout) {
  ignore_sigpipe();
  Capture capture(stdin_text);
  pid_t pid = spawn_captured(argv, capture);
  RunResult result;
  auto deadline = Clock::now() + timeout;
  int status = 0;
  // Poll in short steps so that a child that exited is noticed even if a
  // grandchild still holds its pipes open.
  while (retry_eintr([&] { return ::waitpid(pid, &status, WNOHANG); }) == 0) {
    if (Clock::now() >= deadline) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
      retry_eintr([&] { return ::waitpid(pid, &status, 0); });
      break;
    }
    if (!capture.pump(std::chrono::milliseconds(10), result)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  capture.pump(std::chrono::milliseconds(0), result);  // what the child wrote before exiting
  fill_status(status, result);
  return result;
}

Subprocess::Subprocess(std::vector<std::string> argv, std::vector<std::string> extra_env,
                       std::string stdout_path, std::string stderr_path) {
  ignore_sigpipe();
  auto open_output = [](const std::string& path) {
    if (path.empty()) return UniqueFd();
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!fd) throw_errno("open", path);
    return fd;
  };
  UniqueFd in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!in) throw_errno("open", "/dev/null");
  UniqueFd out = open_output(stdout_path), err = open_output(stderr_path);
  pid_ = spawn(std::move(argv), extra_env, {in.get(), out.get(), err.get()});
}

Subprocess::Subprocess(Subprocess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), status_(std::exchange(other.status_, std::nullopt)) {}

Subprocess::~Subprocess() {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    retry_eintr([&] { return ::waitpid(pid_, nullptr, 0); });
  }
}

bool Subprocess::try_reap() {
  if (status_) return true;
  if (pid_ <= 0) return false;
  int status = 0;
  if (retry_eintr([&] { return ::waitpid(pid_, &status, WNOHANG); }) != pid_) return false;
  status_ = status;
  return true;
}

void Subprocess::send_signal(int sig) {
  if (pid_ > 0 && !status_) ::kill(pid_, sig);
}

std::optional<int> Subprocess::wait_for(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (!try_reap() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  try_reap();
  return status_;
}

bool Subprocess::running() { return pid_ > 0 && !try_reap(); }

}  // namespace ackd::test
