// SpoolWriter: an ack that means "stored". The one writer of its segment
// files: a prefork worker, or a fork-mode dispatcher (which also writes what
// its connection processes relay to it). Records of one loop turn go to disk
// in one write(); with ack_after = "fsync" one fdatasync covers them all
// (group commit) before any of their replies leaves. A write or sync that
// fails is undone (the segment is cut back to its last whole record, or
// abandoned): its messages are answered ERR, and no torn record is ever left
// for later records to follow. The writer holds an flock on the segment it
// writes, so retention and recovery never touch a live segment. Each sync
// is timed for the metrics (SpoolBoard).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/steady_time.h"
#include "common/unique_fd.h"
#include "daemon/config/config.h"
#include "daemon/record/record_stage.h"
#include "daemon/spool_board.h"

namespace ackd {

class SpoolWriter final : public RecordStage {
 public:
  // `board`: where each sync's time is counted (may be null).
  SpoolWriter(const SpoolConfig& config, ReplyGate& gate, SpoolBoard* board = nullptr);
  SpoolWriter(const SpoolWriter&) = delete;
  SpoolWriter& operator=(const SpoolWriter&) = delete;

  // Opens the first segment: a process that cannot write its spool fails at
  // start, not at its first message. Throws std::system_error.
  void open();

  bool holds_replies() const override { return config_.ack_after != AckAfter::kReceive; }
  void append(const SpoolRecord& record, Ticket ticket) override;
  void commit() override;
  bool idle() const override { return buffer_.empty(); }

 private:
  bool store();
  void open_next_segment();
  void abandon_segment();
  void report_failure(const std::system_error& error, size_t records);
  // fdatasync (data_only) or fsync of `fd`, timed; throws naming `what`.
  void sync(int fd, bool data_only, const std::string& what);

  SpoolConfig config_;
  ReplyGate& gate_;
  SpoolBoard* board_;
  UniqueFd directory_;
  UniqueFd fd_;
  std::string name_;  // of the segment being written
  uint64_t segment_bytes_ = 0;
  uint64_t sequence_ = 0;
  std::string buffer_;
  size_t buffered_records_ = 0;
  std::vector<Ticket> tickets_;  // of the buffered records, those replies wait for
  SteadyTime next_warning_{};
  uint64_t unreported_failures_ = 0;
};

}  // namespace ackd
