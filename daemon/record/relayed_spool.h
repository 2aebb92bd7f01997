// RelayedSpool: a fork-mode connection process's spool. Its records go to
// its dispatcher, which writes them (see spool_relay.h); with ack_after =
// "write" or "fsync" each reply waits for the dispatcher's confirmation. If
// the dispatcher goes away, every record still waiting is settled as not
// stored: no ack leaves for a message that may not be on disk.
#pragma once

#include <deque>
#include <string>

#include "common/unique_fd.h"
#include "daemon/config/config.h"
#include "daemon/record/record_stage.h"
#include "daemon/serve/event_loop.h"

namespace ackd {

class RelayedSpool final : public RecordStage, public EventHandler {
 public:
  RelayedSpool(const SpoolConfig& config, ReplyGate& gate, EventLoop& loop, UniqueFd channel);

  bool holds_replies() const override { return holds_; }
  void append(const SpoolRecord& record, Ticket ticket) override;
  void commit() override;
  bool idle() const override { return out_.empty() && waiting_.empty(); }
  void handle_event(uint32_t events) override;

 private:
  void send_pending();
  void read_confirmations();
  void settle(char kind, uint32_t count);
  void broken();
  void watch(uint32_t events);

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
