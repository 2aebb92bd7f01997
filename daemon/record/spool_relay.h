// Fork mode's record stages: a connection process has none of its own; it
// relays its records to its dispatcher over a socketpair made before the
// fork (RelayedSpool, its side), and the dispatcher hands them to its own
// stages (SpoolRelay, this side): the spool, written by one writer per
// segment as in prefork (one group commit for all its children), and the
// replicated stream (the dispatcher's one NATS connection). The records
// travel in the spool's own format (each one framed and checksummed). Back
// come confirmations, in order, for the records whose replies wait: "the
// next N are stored", "are not stored" or "are unavailable" (the stream).
// A channel that breaks settles what it was waiting for as not stored.
// While the stages are saturated, the channels are not read.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "daemon/event_loop.h"
#include "daemon/record/recorder.h"
#include "daemon/record/reply_gate.h"

namespace ackd {

// A confirmation: kind, then the number of records (u32, little-endian).
inline constexpr char kRelayStored = 'S';
inline constexpr char kRelayNotStored = 'F';
inline constexpr char kRelayUnavailable = 'U';
inline constexpr size_t kRelayFrameSize = 5;

class SpoolRelay {
 public:
  // Relays to `recorder`'s stages (at least one).
  SpoolRelay(EventLoop& loop, Recorder& recorder);
  ~SpoolRelay();

  // Before forking a connection process: a new channel; returns the end
  // the child keeps. Throws std::system_error.
  UniqueFd open_channel();
  // After the writer's commit: sends the confirmations it settled.
  void flush();
  // Stops (or resumes) reading the channels: the stages are saturated.
  void set_paused(bool paused);
  // Frees the channels closed since the last call.
  void collect();
  size_t channels() const { return channels_.size(); }

 private:
  class Channel;
  friend class Channel;
  void closed(Channel* channel);

  EventLoop& loop_;
  Recorder& recorder_;
  ReplyGate& gate_;
  unsigned holding_stages_ = 0;  // of the recorder's stages, those replies wait for
  bool paused_ = false;
  std::vector<std::unique_ptr<Channel>> channels_;
  std::vector<std::unique_ptr<Channel>> closed_;
  std::vector<Channel*> to_flush_;
};

}  // namespace ackd
