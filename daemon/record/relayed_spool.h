// RelayedSpool: a fork-mode connection process's record stages. Its records
// go to its dispatcher, which stores them (see spool_relay.h); when a
// dispatcher's stage holds replies (ack_after = "write" or "fsync", sync
// replication) each reply waits for the dispatcher's confirmation. If the
// dispatcher goes away, every record still waiting is settled as not
// stored: no ack leaves for a message that may not be stored. With much
// unsent (the dispatcher is not reading), it is saturated.
#pragma once

#include <deque>
#include <string>

#include "common/unique_fd.h"
#include "daemon/event_loop.h"
#include "daemon/record/record_stage.h"

namespace ackd {

class RelayedSpool final : public RecordStage, public EventHandler {
 public:
  // holds_replies: whether a stage of the dispatcher holds replies.
  RelayedSpool(bool holds_replies, ReplyGate& gate, EventLoop& loop, UniqueFd channel);

  bool holds_replies() const override { return holds_; }
  void append(const SpoolRecord& record, Ticket ticket) override;
  void commit() override;
  bool idle() const override { return out_.empty() && waiting_.empty(); }
  bool saturated() const override { return out_.size() >= kMaxUnsent; }
  void handle_event(uint32_t events) override;

 private:
  void send_pending();
  void read_confirmations();
  void settle(char kind, uint32_t count);
  void broken();
  void watch(uint32_t events);

  static constexpr size_t kMaxUnsent = 1 << 20;

  bool holds_;
  ReplyGate& gate_;
  EventLoop& loop_;
  UniqueFd channel_;
  std::string out_;             // records not sent yet
  std::string in_;              // a confirmation not read whole yet
  std::deque<Ticket> waiting_;  // sent or not, awaiting confirmation, in order
  uint32_t watched_ = 0;        // events the loop watches on the channel (0: not added)
};

}  // namespace ackd
