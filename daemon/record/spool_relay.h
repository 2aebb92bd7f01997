// Fork mode's spool: one writer per segment, as in prefork. A connection
// process does not write the spool; it relays its records to its
// dispatcher over a socketpair made before the fork (RelayedSpool, its
// side), and the dispatcher writes them with its own (SpoolRelay, this
// side): one segment, rotated at segment_size, one group commit for all its
// children. The records travel in the spool's own format (each one framed
// and checksummed). Back come confirmations, in order, for the records
// whose replies wait: "the next N are stored" or "the next N are not".
// A channel that breaks settles what it was waiting for as not stored.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "daemon/record/reply_gate.h"
#include "daemon/record/spool_writer.h"
#include "daemon/serve/event_loop.h"

namespace ackd {

// A confirmation: kind, then the number of records (u32, little-endian).
inline constexpr char kRelayStored = 'S';
inline constexpr char kRelayNotStored = 'F';
inline constexpr size_t kRelayFrameSize = 5;

class SpoolRelay {
 public:
  SpoolRelay(EventLoop& loop, SpoolWriter& writer, ReplyGate& gate);
  ~SpoolRelay();

  // Before forking a connection process: a new channel; returns the end
  // the child keeps. Throws std::system_error.
  UniqueFd open_channel();
  // After the writer's commit: sends the confirmations it settled.
  void flush();
  // Frees the channels closed since the last call.
  void collect();
  size_t channels() const { return channels_.size(); }

 private:
  class Channel;
  friend class Channel;
  void closed(Channel* channel);

  EventLoop& loop_;
  SpoolWriter& writer_;
  ReplyGate& gate_;
  std::vector<std::unique_ptr<Channel>> channels_;
  std::vector<std::unique_ptr<Channel>> closed_;
  std::vector<Channel*> to_flush_;
};

}  // namespace ackd
