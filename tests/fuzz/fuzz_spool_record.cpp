// Fuzzes the spool record reader (common/spool_record.h, and the segment
// scan of common/spool_reader.h), which reads files a crash may have torn or
// a disk may have damaged: whatever the bytes, a record decoded as valid lies
// within the input, encoding it again gives back exactly the bytes it was
// decoded from, and the scan accounts for every byte (records, damage, tail).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "common/spool_reader.h"
#include "common/spool_record.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_spool_record: invariant violated: %s\n", what);
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  // Decode a whole segment's worth, as scan_segment does.
  while (!rest.empty()) {
    ackd::DecodedRecord decoded = ackd::decode_spool_record(rest);
    if (decoded.status != ackd::DecodeStatus::kOk) break;
    check(decoded.size >= ackd::kSpoolHeaderSize && decoded.size <= rest.size(), "size in bounds");
    const ackd::SpoolRecord& r = decoded.record;
    check(ackd::kSpoolHeaderSize + r.listener.size() + r.peer.size() + r.message.size() ==
              decoded.size,
          "fields add up to the record");
    std::string again;
    ackd::encode_spool_record(r, again);
    check(again == rest.substr(0, decoded.size), "encoding the record again gives its bytes");
    rest.remove_prefix(decoded.size);
  }
  std::string_view input(reinterpret_cast<const char*>(data), size);
  uint64_t record_bytes = 0;
  ackd::SegmentScan scan = ackd::scan_records(input, [&](const ackd::SpoolRecord& r) {
    record_bytes += ackd::kSpoolHeaderSize + r.listener.size() + r.peer.size() + r.message.size();
  });
  check(record_bytes + scan.damaged_bytes + scan.tail_bytes == size, "every byte accounted for");
  check(scan.end_of_records + scan.tail_bytes == size, "the tail ends the input");
  return 0;
}
