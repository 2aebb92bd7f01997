// Spool records: the on-disk format of the spool, shared by the daemon (which
// appends them) and ackctl spool (which reads them). Each record is
// self-describing and checksummed; the message bytes are stored verbatim.
//
//   0  magic "AKR1"          4 bytes
//   4  crc32c                u32, over bytes 8 .. end of record
//   8  time                  u64, nanoseconds since the Unix epoch
//  16  message length        u32
//  20  listener length       u16
//  22  peer length           u16
//  24  listener, peer, message bytes
//
// Integers are little-endian. A torn write (a crash mid-record) leaves a
// tail that fails the length or checksum test: readers stop there.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ackd {

inline constexpr size_t kSpoolHeaderSize = 24;
inline constexpr char kSpoolMagic[4] = {'A', 'K', 'R', '1'};
inline constexpr uint32_t kSpoolMaxMessage = 64 * 1024 * 1024;

struct SpoolRecord {
  uint64_t time_ns = 0;
  std::string_view listener;
  std::string_view peer;
  std::string_view message;
};

// Appends one encoded record to `out`.
void encode_spool_record(const SpoolRecord& record, std::string& out);

enum class DecodeStatus { kOk, kIncomplete, kCorrupt };

struct DecodedRecord {
  DecodeStatus status = DecodeStatus::kIncomplete;
  SpoolRecord record;  // views into the input, valid with kOk
  size_t size = 0;     // bytes the record takes, with kOk
};

// Decodes the record at the start of `data`. kIncomplete: the data ends
// inside the record (a torn tail); kCorrupt: bad magic, length or checksum.
DecodedRecord decode_spool_record(std::string_view data);

}  // namespace ackd
