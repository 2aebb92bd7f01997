// SignalPipe: the self-pipe trick. Handlers only record the signal and
// write a byte to a non-blocking CLOEXEC pipe (saving errno); the process's
// loop polls the read end and acts on take(). One instance per process.
#pragma once

#include <signal.h>  // NOLINT(modernize-deprecated-headers): sigaction is POSIX

#include <bitset>
#include <initializer_list>

#include "common/unique_fd.h"

namespace ackd {

class SignalSet {
 public:
  void add(int signo) { bits_.set(static_cast<size_t>(signo)); }
  bool has(int signo) const { return bits_.test(static_cast<size_t>(signo)); }
  bool any() const { return bits_.any(); }

 private:
  std::bitset<65> bits_;
};

class SignalPipe {
 public:
  // Installs the handlers; throws std::system_error.
  SignalPipe(std::initializer_list<int> signals);
  ~SignalPipe();
  SignalPipe(const SignalPipe&) = delete;
  SignalPipe& operator=(const SignalPipe&) = delete;

  int fd() const { return read_end_.get(); }

  // The signals delivered since the last call; drains the pipe.
  SignalSet take();

  // In a freshly forked child (signals blocked by the parent around fork):
  // closes the inherited pipe so the parent's loop is not woken. Signals
  // stay blocked until the child's SignalPipe, which restores the default
  // handler of every inherited one it does not take over (a child that
  // never makes one exits with them blocked: no system call spent).
  static void forget_in_child();

 private:
  UniqueFd read_end_;
  UniqueFd write_end_;
};

// Ignores SIGPIPE: a write to a closed socket returns EPIPE instead.
void ignore_sigpipe();

}  // namespace ackd
