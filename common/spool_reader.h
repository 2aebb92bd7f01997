// Reading a spool directory: its segment files in order, their records,
// and where each file stops being valid. Used by ackctl spool and by the
// daemon's recovery at start.
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
  uint64_t valid_bytes = 0;  // the prefix of whole, valid records
  uint64_t file_bytes = 0;
  bool torn_tail = false;  // ends inside a record
  bool corrupt = false;    // a record fails its checksum or framing
};

// Reads a segment, calling on_record for each valid record; stops at the
// first torn or corrupt one. Throws std::system_error on I/O errors.
SegmentScan scan_segment(const std::string& path,
                         const std::function<void(const SpoolRecord&)>& on_record = {});

}  // namespace ackd
