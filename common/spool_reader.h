// Reading a spool directory: its segment files in order, their records,
// and what in each file is not a valid record. Used by ackctl spool and by
// the daemon's recovery at start.
//
// Damage is skipped, never a reason to stop: after bytes that are not a
// valid record, reading goes on at the next valid one, so no complete
// record is ever lost to damage before it. Bytes after the last valid
// record that form none are the tail (a write cut short by a crash).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/spool_record.h"

namespace ackd {

inline constexpr const char* kSegmentSuffix = ".akspool";

// Segment files of `directory`, oldest first (names sort by creation).
// Throws std::system_error if the directory cannot be read.
std::vector<std::string> list_segments(const std::string& directory);

struct SegmentScan {
  uint64_t records = 0;
  uint64_t file_bytes = 0;
  uint64_t end_of_records = 0;  // just after the last valid record
  uint64_t damaged_bytes = 0;   // skipped between valid records
  uint64_t damaged_ranges = 0;
  uint64_t first_damage = 0;  // offset of the first damaged range, if any
  uint64_t tail_bytes = 0;    // after the last valid record, forming none

  bool damaged() const { return damaged_ranges > 0; }
  bool torn_tail() const { return tail_bytes > 0; }
  bool clean() const { return !damaged() && !torn_tail(); }
};

// Scans the bytes of a segment, calling on_record for each valid record.
SegmentScan scan_records(std::string_view data,
                         const std::function<void(const SpoolRecord&)>& on_record = {});

// Reads a segment and scans it. Throws std::system_error on I/O errors.
SegmentScan scan_segment(const std::string& path,
                         const std::function<void(const SpoolRecord&)>& on_record = {});

}  // namespace ackd
