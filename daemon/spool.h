// Spool: an ack that means "stored". Each worker appends records to its own
// segment files (no cross-process locking on the hot path). Records of one
// loop turn are written with one write(); with ack_after = "fsync" one
// fdatasync covers them all (group commit) before any of their acks leaves.
// The master recovers the directory at start (a torn tail is cut) and
// keeps it under max_total_size (oldest closed segments first).
#pragma once

#include <sys/types.h>

#include <memory>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/unique_fd.h"
#include "daemon/config.h"

namespace ackd {

class SpoolWriter {
 public:
  // A worker's writer: creates its own segments.
  explicit SpoolWriter(const SpoolConfig& config);
  SpoolWriter(const SpoolWriter&) = delete;
  SpoolWriter& operator=(const SpoolWriter&) = delete;

  // A fork-mode connection process appends to its dispatcher's current
  // segment, inherited as `fd` (O_APPEND: whole writes never interleave),
  // and never rotates.
  SpoolWriter(const SpoolConfig& config, UniqueFd fd);

  // The dispatcher: the segment its connection processes will inherit.
  int segment_fd();
  // The dispatcher: rotates once its children have filled the segment.
  void rotate_if_full();

  void append(std::string_view listener, std::string_view peer, std::string_view message);
  bool has_pending() const { return !buffer_.empty(); }
  // Whether replies must wait for commit().
  bool defers_acks() const { return config_.ack_after != AckAfter::kReceive; }
  // Writes the buffered records (and syncs, with "fsync"). Throws
  // std::system_error: a worker that cannot store must not ack.
  void commit();

 private:
  void open_next_segment();

  SpoolConfig config_;
  std::string buffer_;
  UniqueFd fd_;
  std::string current_path_;
  uint64_t segment_bytes_ = 0;
  uint64_t sequence_ = 0;
  bool attached_ = false;  // appends to an inherited segment
};

// At start, as the workers' user (the master creates the directory for
// them first: prepare_spool in supervisor.cpp): cuts torn or corrupt
// tails. Throws std::system_error.
void recover_spool(const SpoolConfig& config);

// Master, periodically: removes the oldest segments no live worker writes
// to, until the directory fits in max_total_size.
void enforce_spool_limit(const SpoolConfig& config, const std::vector<pid_t>& live_workers);

}  // namespace ackd
