#include "daemon/serve/forking_sink.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <csignal>
#include <utility>

#include <spdlog/spdlog.h>

#include "daemon/log/logging.h"
#include "daemon/serve/connection_process.h"
#include "daemon/spawn.h"

namespace ackd {
namespace {
constexpr auto kForkFailedPause = std::chrono::milliseconds(100);
}  // namespace

ForkingSink::ForkingSink(const Config& config, unsigned max_children, ScoreboardEntry& entry,
                         ServeCore& core)
    : config_(config), max_children_(max_children), entry_(entry), core_(core) {
  if (!core.recorder().stages().empty()) relay_.emplace(core.loop(), core.recorder());
  for (const ListenerConfig& listener : config.listeners) {
    if (source_counting(listener) != SourceCounting::kOnceOpen || slots_) continue;
    slots_.emplace(max_children);
    for (size_t slot = max_children; slot-- > 0;) free_slots_.push_back(slot);
  }
}

void ForkingSink::accepted(UniqueFd fd, const SocketAddress& peer, const ServedListener& listener) {
  Child child;
  SourceCounting counting = source_counting(*listener.config);
  if (counting == SourceCounting::kAtAccept) child.source = source_key(peer);
  if (counting == SourceCounting::kOnceOpen && !free_slots_.empty()) {
    child.slot = free_slots_.back();  // never empty: full() stops accepts at max_children
  }
  pid_t pid;
  try {
    UniqueFd channel = relay_ ? relay_->open_channel() : UniqueFd();
    pid = spawn_child(
        [&] {
          // Keep the connection, the channel its records go through (if
          // any), the logger's fd and stdio: the child must not hold the
          // listening sockets, the spool or the dispatcher's event loop.
          // The child takes both fds over: this frame's copies are left
          // empty (it never returns here).
          int log_fd = adopt_inherited_logging("connection");
          close_fds_except({fd.get(), channel.get(), log_fd});
          SourceSlot slot{child.slot ? &*slots_ : nullptr, child.slot.value_or(0)};
          run_connection_process(config_, entry_, std::move(channel), std::move(fd), peer, listener,
                                 slot);
          return 0;
        },
        SIGTERM);
  } catch (const std::system_error& e) {
    fork_failed(fd.get(), e);
    return;
  }
  fork_failed_ = false;
  if (child.source) sources_.opened(*child.source);
  if (child.slot) free_slots_.pop_back();
  children_.emplace(pid, child);
  ++accepted_;
}

// The child is gone: whatever it counted is released.
void ForkingSink::forget(const Child& child) {
  if (child.source) sources_.closed(*child.source);
  if (child.slot) {
    slots_->release(*child.slot);
    free_slots_.push_back(*child.slot);
  }
}

// Out of processes or memory: the connection cannot be served. Closing it
// after reading what it sent makes a FIN, not a reset; then the acceptors
// pause (full()) so that clients wait in the backlog rather than be dropped.
void ForkingSink::fork_failed(int fd, const std::system_error& error) {
  char discard[4096];
  for (int i = 0; i < 16 && recv(fd, discard, sizeof(discard), MSG_DONTWAIT) > 0; ++i) {
  }
  auto now = std::chrono::steady_clock::now();
  fork_failed_ = true;
  fork_retry_at_ = now + kForkFailedPause;
  if (auto note = fork_failure_log_.admit(now)) {
    spdlog::warn("connection process: {}; closed the connection, pausing accepts for {}ms{}",
                 error.what(), kForkFailedPause.count(), *note);
  }
}

void ForkingSink::after_commit() {
  if (!relay_) return;
  relay_->flush();
  relay_->collect();
  relay_->set_paused(core_.reading_paused());  // the children's clients wait too
}

void ForkingSink::reap() {
  int status = 0;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    if (auto child = children_.find(pid); child != children_.end()) {
      forget(child->second);
      children_.erase(child);
    }
    if (WIFSIGNALED(status) && WTERMSIG(status) != SIGTERM && WTERMSIG(status) != SIGKILL) {
      spdlog::warn("connection process {} killed by signal {}", pid, WTERMSIG(status));
    }
  }
}

void ForkingSink::pass_signal(int signo) {
  for (const auto& child : children_) kill(child.first, signo);
}

}  // namespace ackd
