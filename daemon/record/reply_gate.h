// ReplyGate: holds a message's reply until every stage it must pass (the
// spool's write or fsync; a replicated stream) has confirmed it. A stage
// that fails it turns the reply into an ERR line: no ack leaves for a
// message that was not stored as the config promises. Transports take a
// ticket per held message, are told when each one is settled (in whatever
// order the stages settle them), and release their replies in order.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace ackd {

using Ticket = uint64_t;  // 0: no ticket (the reply need not wait)

class ReplyWaiter {
 public:
  // `error` is empty once every stage confirmed; else why one failed.
  virtual void settled(Ticket ticket, std::string_view error) = 0;

 protected:
  ~ReplyWaiter() = default;
};

class ReplyGate {
 public:
  // A message whose reply waits for `stages` confirmations.
  Ticket hold(ReplyWaiter* waiter, unsigned stages);
  void confirm(Ticket ticket);
  void fail(Ticket ticket, std::string_view why);
  // The waiter is gone (its connection closed): settle silently.
  void forget(Ticket ticket);
  // Messages held and not settled yet.
  size_t held() const { return unsettled_; }

 private:
  struct Hold {
    ReplyWaiter* waiter = nullptr;
    uint32_t waiting = 0;  // 0: settled
  };
  Hold* find(Ticket ticket);
  void settle(Ticket ticket, Hold& hold, std::string_view error);

  std::deque<Hold> holds_;  // tickets first_ .. first_ + size - 1
  Ticket first_ = 1;
  size_t unsettled_ = 0;
};

}  // namespace ackd
