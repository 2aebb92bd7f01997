#include "daemon/replicate/handoff.h"

#include <sys/eventfd.h>

#include <cerrno>

#include "common/syscall.h"

namespace ackd {

Handoff::Handoff() : fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (!fd_) throw_errno("eventfd", "replication handoff");
}

void Handoff::push(PublishResult result) {
  std::lock_guard lock(mutex_);
  results_.push_back(std::move(result));
  wake();
}

void Handoff::push(LinkNote note) {
  std::lock_guard lock(mutex_);
  notes_.push_back(std::move(note));
  wake();
}

// One write per batch: the loop is woken once however many results wait.
void Handoff::wake() {
  if (woken_) return;
  woken_ = true;
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(fd_.get(), &one, sizeof(one));  // cannot fill: 1 each time
}

void Handoff::take(std::vector<PublishResult>& results, std::vector<LinkNote>& notes) {
  uint64_t count;
  [[maybe_unused]] ssize_t n = read(fd_.get(), &count, sizeof(count));
  std::lock_guard lock(mutex_);
  woken_ = false;
  results.swap(results_);
  notes.swap(notes_);
  results_.clear();
  notes_.clear();
}

}  // namespace ackd
