// Publisher: sends messages to the stream without waiting; each result
// comes back later through the Handoff, tagged with the caller's sequence.
// The JetStream implementation (nats/) needs libnats; tests use a fake.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/replicate/handoff.h"
#include "daemon/replicate/replication_config.h"

namespace ackd {

// One stored message: the body is the client's message, byte for byte; the
// headers carry what the spool records beside it.
// The publisher formats the headers (off the loop thread).
struct OutgoingMessage {
  std::string_view subject;
  std::string_view msg_id;    // Nats-Msg-Id: the stream drops a second copy
  uint64_t time_ns = 0;       // Ackd-Time, as RFC 3339 with nanoseconds
  std::string_view listener;  // Ackd-Listener
  std::string_view peer;      // Ackd-Peer, escaped (header_safe); Ackd-Host is the machine's
  std::string_view body;
};

class Publisher {
 public:
  virtual ~Publisher() = default;
  // Takes one message to publish; its result is pushed with `sequence`.
  // Returns "" or, when it is refused at once, why: then nothing is pushed
  // for it. Never blocks.
  virtual std::string publish(const OutgoingMessage& message, uint64_t sequence) = 0;
  // Once per loop turn: sends what publish() took.
  virtual void flush() {}
};

// Connects in the background (a server down at start is retried) and, with
// create_stream, creates or extends the stream. `subjects`: those this
// process publishes on. Throws std::system_error on options it cannot
// use (an unreadable CA file). Needs libnats (ACKD_HAVE_NATS).
std::unique_ptr<Publisher> make_jetstream_publisher(const ReplicationConfig& config,
                                                    std::vector<std::string> subjects,
                                                    Handoff& handoff);

}  // namespace ackd
