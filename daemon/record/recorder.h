// Recorder: "the server displays your message". Counts every message and,
// when log_messages is on, logs it with listener, peer, size and its content
// escaped so that no byte can forge or hide a log line. Each message's
// record then goes to the durability stages the config asks for (the
// spool): the reply waits for those that hold replies (see ReplyGate).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "daemon/record/record_stage.h"
#include "daemon/record/reply_gate.h"

namespace ackd {

struct MessageCounters {
  uint64_t connections = 0;
  uint64_t messages = 0;
  uint64_t bytes = 0;
  uint64_t replies = 0;  // the service's replies (an ack, an echo), not ERR lines
  uint64_t errors = 0;   // protocol errors and messages not stored, answered with ERR
  uint64_t dropped = 0;  // UDP replies over the amplification bound
  uint64_t refused = 0;  // connections and messages refused, of every kind (Refusal)
};

class Recorder {
 public:
  explicit Recorder(bool log_messages) : log_messages_(log_messages) {}

  // Every message also goes to `stage` (kept alive by the caller).
  void add_stage(RecordStage* stage);
  ReplyGate& gate() { return gate_; }
  const std::vector<RecordStage*>& stages() const { return stages_; }

  // Whether record() uses the peer's address (callers format it only then).
  bool wants_peer() const { return log_messages_ || !stages_.empty(); }
  // `peer` as SocketAddress::to_raw_string() gives it: the spool stores its
  // bytes, the log escapes them. Returns the ticket the reply must wait
  // for, settled on `waiter` (0: the reply may leave at once).
  Ticket record(std::string_view listener, std::string_view peer, std::string_view message,
                ReplyWaiter* waiter);
  // Once per loop turn: the stages store what this turn recorded.
  void commit();
  // Nothing recorded is still to be stored or settled.
  bool idle() const;
  // A stage holds as much as it should: stop reading from clients.
  bool saturated() const;

  void count_connection() { ++counters_.connections; }
  void count_reply() { ++counters_.replies; }
  void count_error() { ++counters_.errors; }
  void count_dropped() { ++counters_.dropped; }
  void count_refused() { ++counters_.refused; }
  const MessageCounters& counters() const { return counters_; }

 private:
  static void log(std::string_view listener, std::string_view peer, std::string_view message);

  bool log_messages_;
  std::vector<RecordStage*> stages_;
  unsigned holding_stages_ = 0;  // of stages_, those replies wait for
  ReplyGate gate_;
  MessageCounters counters_;
};

}  // namespace ackd
