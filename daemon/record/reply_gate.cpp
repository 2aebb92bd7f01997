#include "daemon/record/reply_gate.h"

namespace ackd {

Ticket ReplyGate::hold(ReplyWaiter* waiter, unsigned stages) {
  holds_.push_back({waiter, stages});
  ++unsettled_;
  return first_ + holds_.size() - 1;
}

ReplyGate::Hold* ReplyGate::find(Ticket ticket) {
  if (ticket < first_ || ticket - first_ >= holds_.size()) return nullptr;
  Hold& hold = holds_[ticket - first_];
  return hold.waiting > 0 ? &hold : nullptr;
}

void ReplyGate::confirm(Ticket ticket) {
  Hold* hold = find(ticket);
  if (hold != nullptr && --hold->waiting == 0) settle(ticket, *hold, {});
}

void ReplyGate::fail(Ticket ticket, std::string_view why) {
  if (Hold* hold = find(ticket)) settle(ticket, *hold, why);
}

void ReplyGate::forget(Ticket ticket) {
  if (Hold* hold = find(ticket)) hold->waiter = nullptr;
}

// Settled holds leave from the front; tickets settled out of order wait
// there as gaps until those before them are settled too.
void ReplyGate::settle(Ticket ticket, Hold& hold, std::string_view error) {
  hold.waiting = 0;
  --unsettled_;
  ReplyWaiter* waiter = hold.waiter;
  while (!holds_.empty() && holds_.front().waiting == 0) {
    holds_.pop_front();
    ++first_;
  }
  if (waiter != nullptr) waiter->settled(ticket, error);
}

}  // namespace ackd
