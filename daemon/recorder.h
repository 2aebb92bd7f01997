// Recorder: "the server displays your message". Counts every message and,
// when log_messages is on, logs it with listener, peer, size and its content
// escaped so that no byte can forge or hide a log line.
#pragma once

#include <cstdint>
#include <string_view>

namespace ackd {

struct MessageCounters {
  uint64_t connections = 0;
  uint64_t messages = 0;
  uint64_t bytes = 0;
  uint64_t acks = 0;
  uint64_t errors = 0;   // protocol errors answered with ERR
  uint64_t dropped = 0;  // UDP replies over the amplification bound
};

class SpoolWriter;

class Recorder {
 public:
  explicit Recorder(bool log_messages) : log_messages_(log_messages) {}
  // Every message is also appended to the spool (nullptr: none).
  void set_spool(SpoolWriter* spool) { spool_ = spool; }

  // Whether record() uses the peer's address (callers format it only then).
  bool wants_peer() const { return log_messages_ || spool_ != nullptr; }
  // `peer` as SocketAddress::to_raw_string() gives it: the spool stores its
  // bytes, the log escapes them.
  void record(std::string_view listener, std::string_view peer, std::string_view message);
  void count_connection() { ++counters_.connections; }
  void count_ack() { ++counters_.acks; }
  void count_error() { ++counters_.errors; }
  void count_dropped() { ++counters_.dropped; }
  const MessageCounters& counters() const { return counters_; }

 private:
  bool log_messages_;
  SpoolWriter* spool_ = nullptr;
  MessageCounters counters_;
};

}  // namespace ackd
