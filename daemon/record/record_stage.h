// RecordStage: a place a message's record goes before its reply may leave:
// the spool this process writes, the spool its dispatcher writes (fork mode),
// a replicated stream. Each stage settles, through the ReplyGate, the
// tickets of the records it was given: confirmed once stored, failed if not.
#pragma once

#include "common/spool_record.h"
#include "daemon/record/reply_gate.h"

namespace ackd {

class RecordStage {
 public:
  virtual ~RecordStage() = default;
  // Whether replies wait for this stage (the spool's ack_after).
  virtual bool holds_replies() const = 0;
  // Takes one record; `ticket` (0: no reply waits) is settled once stored.
  virtual void append(const SpoolRecord& record, Ticket ticket) = 0;
  // Once per loop turn, after the turn's messages: stores them in one go
  // (a group commit) or sends them on.
  virtual void commit() = 0;
  // True when nothing appended is still to be stored or settled: a process
  // may exit.
  virtual bool idle() const = 0;
  // True while the stage holds as much as it should: stream connections
  // stop reading until it is not (backpressure, not an endless buffer).
  virtual bool saturated() const { return false; }
};

}  // namespace ackd
