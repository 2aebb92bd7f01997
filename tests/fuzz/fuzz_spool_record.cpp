// Fuzzes the spool record reader (common/spool_record.h), which reads files
// a crash may have torn or a disk may have damaged: whatever the bytes, a
// record decoded as valid lies within the input, and encoding it again
// gives back exactly the bytes it was decoded from.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

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
  return 0;
}
