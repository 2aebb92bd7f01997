#include "common/spool_record.h"

#include <gtest/gtest.h>

#include "common/crc32c.h"

namespace ackd {
namespace {

TEST(Crc32c, KnownVectors) {
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);  // the standard check value
  EXPECT_EQ(crc32c("", 0), 0u);
  std::string zeros(32, '\0');
  EXPECT_EQ(crc32c(zeros.data(), zeros.size()), 0x8A9136AAu);  // RFC 3720 B.4
}

TEST(SpoolRecord, RoundTripsEveryByte) {
  std::string message;
  for (int i = 0; i < 256; ++i) message += static_cast<char>(i);
  std::string encoded;
  encode_spool_record({1234567890123456789ull, "tcp", "127.0.0.1:1", message}, encoded);
  encode_spool_record({1, "", "", ""}, encoded);
  DecodedRecord first = decode_spool_record(encoded);
  ASSERT_EQ(first.status, DecodeStatus::kOk);
  EXPECT_EQ(first.record.time_ns, 1234567890123456789ull);
  EXPECT_EQ(first.record.listener, "tcp");
  EXPECT_EQ(first.record.peer, "127.0.0.1:1");
  EXPECT_EQ(first.record.message, message);
  DecodedRecord second = decode_spool_record(std::string_view(encoded).substr(first.size));
  ASSERT_EQ(second.status, DecodeStatus::kOk);
  EXPECT_EQ(second.record.message, "");
  EXPECT_EQ(first.size + second.size, encoded.size());
}

TEST(SpoolRecord, EveryTruncationIsIncomplete) {
  std::string encoded;
  encode_spool_record({7, "udp", "[::1]:9", "hello"}, encoded);
  for (size_t cut = 1; cut < encoded.size(); ++cut) {
    EXPECT_EQ(decode_spool_record(std::string_view(encoded).substr(0, cut)).status,
              DecodeStatus::kIncomplete)
        << "cut at " << cut;
  }
  // Nothing at all (a view of no buffer, as a reader's empty window): UBSan
  // caught a memcmp of its null pointer.
  EXPECT_EQ(decode_spool_record(std::string_view()).status, DecodeStatus::kIncomplete);
}

TEST(SpoolRecord, EveryFlippedBitIsDetected) {
  std::string encoded;
  encode_spool_record({7, "udp", "[::1]:9", "hello"}, encoded);
  for (size_t byte = 0; byte < encoded.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = encoded;
      damaged[byte] = static_cast<char>(damaged[byte] ^ (1 << bit));
      EXPECT_NE(decode_spool_record(damaged).status, DecodeStatus::kOk)
          << "byte " << byte << " bit " << bit;
    }
  }
}

}  // namespace
}  // namespace ackd
