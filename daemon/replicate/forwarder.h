// Forwarder: mode = "forward". Replies follow the spool's ack_after; this
// ships the spool's records to the stream afterwards, segment by segment,
// each in its own order, with many publishes in flight. Each record's
// Nats-Msg-Id is its identity in the spool (host, segment, offset), so a
// record sent again (after a restart, a timeout, an outage) is dropped by
// the stream as a duplicate within its duplicate window. How far it got
// is kept in <spool>/forwarded (ForwardPosition), written once the stream
// confirmed; retention never removes a segment not yet shipped.
//
// It runs in worker 0 (dispatcher 0 in fork mode), in that process's
// event loop, under an flock on <spool>/forwarder.lock: when a reload or a
// respawn makes another worker 0, the new one takes over once the old one
// has exited. It reads the spool every loop turn (at least every 250 ms).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/steady_time.h"
#include "common/unique_fd.h"
#include "daemon/config/config.h"
#include "daemon/event_loop.h"
#include "daemon/log/log_throttle.h"
#include "daemon/replicate/forward_position.h"
#include "daemon/replicate/handoff.h"
#include "daemon/replicate/publisher.h"
#include "daemon/replicate/replication_board.h"

namespace ackd {

class Forwarder final : public EventHandler, public TurnTask {
 public:
  Forwarder(const Config& config, EventLoop& loop, ReplicationBoard* board);
  ~Forwarder();

  // Through `publisher`, or JetStream's if null. Throws std::system_error.
  void start(std::unique_ptr<Publisher> publisher = nullptr);
  // Once per loop turn: reads new records, publishes, saves the position.
  void poll();
  void after_commit() override { poll(); }
  void handle_event(uint32_t events) override;  // publish results

  uint64_t lag_bytes() const { return lag_; }
  // Where a Publisher given to start() pushes its results.
  Handoff& handoff() { return handoff_; }

 private:
  struct Segment {
    UniqueFd fd;
    uint64_t cursor = 0;  // the next record to publish
    uint64_t acked = 0;   // everything before it is in the stream
    uint64_t size = 0;
    std::map<uint64_t, uint64_t> unacked;  // offset -> end, published
    uint32_t generation = 0;               // a failure starts a new one
    bool closed = false;                   // its writer is gone
    bool shipped = false;                  // closed and all confirmed: fd released
    // What was last read of it, from file offset window_start: kept across
    // turns, since a turn has only the slots its acks freed.
    std::string window;
    uint64_t window_start = 0;
  };
  struct InFlight {
    std::string segment;
    uint64_t offset;
    uint64_t end;
    uint32_t generation;
  };

  bool take_lock();
  size_t open_segments() const;
  void load_position();
  void scan_directory();
  void publish_lag();
  void publish_from(const std::string& name, Segment& segment);
  void skip_to(Segment& segment, uint64_t offset);
  static std::string_view held(const Segment& segment);
  static bool read_more(Segment& segment, size_t at_least);
  void settled(const PublishResult& result);
  void finish_segments();
  void save_position(bool force);
  void note_failure(const std::string& why);

  SpoolConfig spool_;
  ReplicationConfig replication_;
  EventLoop& loop_;
  ReplicationBoard* board_;
  Handoff handoff_;
  std::unique_ptr<Publisher> publisher_;
  UniqueFd directory_;
  UniqueFd lock_;
  std::string host_;
  std::vector<std::string> subjects_;
  std::map<std::string, Segment> segments_;  // after done, in name order
  std::string done_;
  std::unordered_map<uint64_t, InFlight> in_flight_;
  uint64_t next_sequence_ = 1;
  uint64_t stored_ = 0, failed_ = 0, lag_ = 0;
  bool position_dirty_ = false;
  bool failing_ = false;
  SteadyTime next_scan_{}, next_save_{}, next_lag_{}, retry_at_{};
  LogThrottle failure_log_;
  std::vector<PublishResult> results_;
  std::vector<LinkNote> notes_;
  bool registered_ = false;
};

// The forwarder of this process (worker or dispatcher `slot`), or nullptr
// when the config does not forward or another slot does. Throws
// std::system_error.
std::unique_ptr<Forwarder> start_forwarder(const Config& config, EventLoop& loop, unsigned slot,
                                           ReplicationBoard* board);

}  // namespace ackd
