// Handoff: how results cross from nats.c's threads to a worker's loop
// thread. The library's callbacks only push onto a mutex-protected queue
// and wake the loop through an eventfd; the loop takes the queue and acts.
// Nothing of the worker is ever touched from a library thread.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "common/unique_fd.h"

namespace ackd {

// The outcome of one publish: `error` empty when the stream stored it.
struct PublishResult {
  uint64_t sequence = 0;
  std::string error;
  bool duplicate = false;  // the stream had it already (same Nats-Msg-Id)
};

// What the connection says: connected (text: the server's URL), lost
// (text: why, if known), or the stream could not be found or made (why).
enum class LinkEvent { kConnected, kLost, kStreamProblem };
struct LinkNote {
  LinkEvent event = LinkEvent::kLost;
  std::string text;
};

class Handoff {
 public:
  Handoff();  // throws std::system_error
  Handoff(const Handoff&) = delete;
  Handoff& operator=(const Handoff&) = delete;

  // The loop watches this for EPOLLIN.
  int fd() const { return fd_.get(); }
  // From any thread.
  void push(PublishResult result);
  void push(LinkNote note);
  // On the loop thread: everything pushed so far (the eventfd is reset).
  void take(std::vector<PublishResult>& results, std::vector<LinkNote>& notes);

 private:
  void wake();  // with mutex_ held

  UniqueFd fd_;
  std::mutex mutex_;
  std::vector<PublishResult> results_;
  std::vector<LinkNote> notes_;
  bool woken_ = false;
};

}  // namespace ackd
