// What `ackctl status` shows of the spool, the numbers the metrics serve
// as ackd_spool_*: its segments and bytes now, and with ack_after =
// "fsync" how long its syncs took (count, mean, median and 99th
// percentile bounds; the buckets in the JSON).
#pragma once

#include <optional>
#include <string>

#include "daemon/config/config.h"
#include "daemon/record/spool_usage.h"
#include "daemon/scoreboard_totals.h"

namespace ackd {

struct SpoolStatus {
  std::optional<SpoolUsage> usage;  // nullopt: the directory could not be read (logged)
  std::optional<SyncTotals> syncs;  // ack_after = "fsync"
};

// Whether the spool's writers sync, and so time their syncs.
bool spool_syncs(const SpoolConfig& spool);
// The spool of `spool` (enabled), read now.
SpoolStatus read_spool_status(const SpoolConfig& spool, const Scoreboard& scoreboard);

// "spool: 2 segments, 4096 bytes; fsync: 12 syncs, mean 1.2ms, p50 <=2.5ms, p99 <=5ms\n".
std::string render_spool_text(const SpoolStatus& spool);
// `,"spool":{"bytes":...,"segments":...,"fsync":{histogram}}`.
std::string render_spool_json(const SpoolStatus& spool);

}  // namespace ackd
