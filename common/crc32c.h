// CRC32C (Castagnoli), the checksum of spool records: what iSCSI, ext4 and
// Kafka use; software table, hardware-independent results.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ackd {

uint32_t crc32c(const void* data, size_t size, uint32_t crc = 0);

}  // namespace ackd
