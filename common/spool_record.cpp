#include "common/spool_record.h"

#include <cstring>

#include "common/crc32c.h"

namespace ackd {
namespace {

template <typename T>
void put(std::string& out, T value) {
  char bytes[sizeof(T)];
  for (size_t i = 0; i < sizeof(T); ++i) bytes[i] = static_cast<char>(value >> (8 * i));
  out.append(bytes, sizeof(T));
}

template <typename T>
T get(std::string_view data, size_t offset) {
  T value = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    value |= static_cast<T>(static_cast<unsigned char>(data[offset + i])) << (8 * i);
  }
  return value;
}

}  // namespace

void encode_spool_record(const SpoolRecord& r, std::string& out) {
  size_t start = out.size();
  out.append(kSpoolMagic, 4);
  put<uint32_t>(out, 0);  // the checksum, filled in below
  put<uint64_t>(out, r.time_ns);
  put<uint32_t>(out, static_cast<uint32_t>(r.message.size()));
  put<uint16_t>(out, static_cast<uint16_t>(r.listener.size()));
  put<uint16_t>(out, static_cast<uint16_t>(r.peer.size()));
  out.append(r.listener);
  out.append(r.peer);
  out.append(r.message);
  uint32_t crc = crc32c(out.data() + start + 8, out.size() - start - 8);
  for (size_t i = 0; i < 4; ++i) out[start + 4 + i] = static_cast<char>(crc >> (8 * i));
}

DecodedRecord decode_spool_record(std::string_view data) {
  DecodedRecord d;
  if (data.empty()) return d;  // kIncomplete (and memcmp takes no null pointer)
  if (data.size() < kSpoolHeaderSize) {
    d.status = std::memcmp(data.data(), kSpoolMagic, std::min<size_t>(4, data.size())) == 0
                   ? DecodeStatus::kIncomplete
                   : DecodeStatus::kCorrupt;
    return d;
  }
  uint32_t message_size = get<uint32_t>(data, 16);
  size_t listener_size = get<uint16_t>(data, 20);
  size_t peer_size = get<uint16_t>(data, 22);
  if (std::memcmp(data.data(), kSpoolMagic, 4) != 0 || message_size > kSpoolMaxMessage) {
    d.status = DecodeStatus::kCorrupt;
    return d;
  }
  size_t size = kSpoolHeaderSize + listener_size + peer_size + message_size;
  if (data.size() < size) return d;  // kIncomplete
  if (crc32c(data.data() + 8, size - 8) != get<uint32_t>(data, 4)) {
    d.status = DecodeStatus::kCorrupt;
    return d;
  }
  d.status = DecodeStatus::kOk;
  d.size = size;
  d.record.time_ns = get<uint64_t>(data, 8);
  d.record.listener = data.substr(kSpoolHeaderSize, listener_size);
  d.record.peer = data.substr(kSpoolHeaderSize + listener_size, peer_size);
  d.record.message = data.substr(kSpoolHeaderSize + listener_size + peer_size, message_size);
  return d;
}

}  // namespace ackd
