// ReplicationStage: mode = "sync". Each record is published to the stream
// at once (asynchronously: many in flight) and its reply waits for the
// stream's publish ack; an error or no ack within the timeout fails it, and
// the client gets "ERR unavailable". Results come back from nats.c's
// threads through a Handoff the worker's loop polls. At max_pending in
// flight the stage is saturated (stream connections stop reading); at twice
// that, a new record fails at once (datagrams are answered ERR).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "common/steady_time.h"
#include "daemon/event_loop.h"
#include "daemon/log/log_throttle.h"
#include "daemon/record/record_stage.h"
#include "daemon/replicate/handoff.h"
#include "daemon/replicate/publisher.h"
#include "daemon/replicate/replication_board.h"
#include "daemon/replicate/replication_config.h"

namespace ackd {

inline constexpr std::string_view kUnavailable = "unavailable";

class ReplicationStage final : public RecordStage, public EventHandler {
 public:
  // board: where `ackctl status` reads the state (nullptr: nowhere).
  ReplicationStage(const ReplicationConfig& config, ReplyGate& gate, EventLoop& loop,
                   ReplicationBoard* board);
  ~ReplicationStage() override;

  // Connects (in the background) through `publisher`, or JetStream's if
  // null, publishing on `subjects`. Throws std::system_error.
  void start(std::vector<std::string> subjects, std::unique_ptr<Publisher> publisher = nullptr);

  bool holds_replies() const override { return true; }
  void append(const SpoolRecord& record, Ticket ticket) override;
  void commit() override;
  bool idle() const override { return in_flight_ == 0 && refused_.empty(); }
  bool saturated() const override { return in_flight_ >= max_pending_; }
  void handle_event(uint32_t events) override;

  size_t in_flight() const { return in_flight_; }
  // Where a Publisher given to start() pushes its results.
  Handoff& handoff() { return handoff_; }

 private:
  struct Pending {
    Ticket ticket = 0;
    bool open = false;
    SteadyTime deadline;
  };
  void expire(SteadyTime now);
  void settle(uint64_t sequence, std::string_view error);
  void fail_now(Ticket ticket, std::string_view why);
  void note_link(const LinkNote& note);
  void note_outcome(bool stored, std::string_view why);
  void publish_board();

  ReplicationConfig config_;
  ReplyGate& gate_;
  EventLoop& loop_;
  ReplicationBoard* board_;
  Handoff handoff_;
  std::unique_ptr<Publisher> publisher_;
  size_t max_pending_;
  std::string host_;
  std::string id_prefix_;        // of this process's Nats-Msg-Ids
  std::deque<Pending> pending_;  // sequences first_ .. first_ + size - 1
  uint64_t first_ = 1;
  size_t in_flight_ = 0;
  uint64_t stored_ = 0, failed_ = 0;
  bool failing_ = false;
  std::string last_error_;
  LogThrottle failure_log_;
  LogThrottle stream_log_;
  std::vector<Ticket> refused_;         // failed in append(), settled in commit()
  std::vector<PublishResult> results_;  // reused
  std::vector<LinkNote> notes_;
  bool registered_ = false;
};

}  // namespace ackd
