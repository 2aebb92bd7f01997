#include "daemon/signals.h"

#include <fcntl.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>

#include "common/syscall.h"

namespace ackd {
namespace {

constexpr int kMaxSignal = 65;
volatile sig_atomic_t g_pending[kMaxSignal];
volatile sig_atomic_t g_installed[kMaxSignal];
volatile sig_atomic_t g_inherited[kMaxSignal];  // the parent's handler, in a child
int g_write_fd = -1;
int g_read_fd = -1;

void record_signal(int signo) {
  int saved_errno = errno;
  g_pending[signo] = 1;
  char byte = static_cast<char>(signo);
  [[maybe_unused]] ssize_t n = write(g_write_fd, &byte, 1);  // full pipe: a wake-up is pending
  errno = saved_errno;
}

void set_handler(int signo, void (*handler)(int)) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  if (sigaction(signo, &action, nullptr) != 0) throw_errno("sigaction", std::to_string(signo));
}

}  // namespace

SignalPipe::SignalPipe(std::initializer_list<int> signals) {
  assert(g_write_fd < 0 && "one SignalPipe per process");
  int fds[2];
  if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) throw_errno("pipe2", "signal pipe");
  read_end_.reset(fds[0]);
  write_end_.reset(fds[1]);
  g_read_fd = fds[0];
  g_write_fd = fds[1];
  for (int signo : signals) {
    g_pending[signo] = 0;
    g_installed[signo] = 1;
    g_inherited[signo] = 0;
    set_handler(signo, record_signal);
  }
  // The parent's handlers this process did not take over, nor set since
  // (a worker ignores HUP), are back to their defaults.
  for (int signo = 1; signo < kMaxSignal; ++signo) {
    if (!g_inherited[signo]) continue;
    g_inherited[signo] = 0;
    struct sigaction current {};
    if (sigaction(signo, nullptr, &current) == 0 && current.sa_handler == record_signal) {
      signal(signo, SIG_DFL);
    }
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

SignalPipe::~SignalPipe() {
  for (int signo = 1; signo < kMaxSignal; ++signo) {
    if (g_installed[signo]) {
      signal(signo, SIG_DFL);
      g_installed[signo] = 0;
    }
  }
  g_write_fd = g_read_fd = -1;
}

SignalSet SignalPipe::take() {
  char buffer[64];
  while (read(read_end_.get(), buffer, sizeof(buffer)) > 0) {
  }
  SignalSet set;
  for (int signo = 1; signo < kMaxSignal; ++signo) {
    if (g_pending[signo]) {
      g_pending[signo] = 0;
      set.add(signo);
    }
  }
  return set;
}

void SignalPipe::forget_in_child() {
  for (int signo = 1; signo < kMaxSignal; ++signo) {
    if (g_installed[signo]) g_inherited[signo] = 1;
    g_installed[signo] = 0;
    g_pending[signo] = 0;
  }
  // The parent's SignalPipe object is never destroyed in the child: close
  // its ends here so the child holds no copy of the parent's pipe.
  if (g_read_fd >= 0) close(g_read_fd);
  if (g_write_fd >= 0) close(g_write_fd);
  g_read_fd = g_write_fd = -1;
}

void ignore_sigpipe() { signal(SIGPIPE, SIG_IGN); }

}  // namespace ackd
