#include "daemon/record/spool_status.h"

#include <fmt/format.h>

#include "daemon/histogram.h"
#include "daemon/histogram_report.h"

namespace ackd {
namespace {

std::string counted(uint64_t n, const char* thing) {
  return fmt::format("{} {}{}", n, thing, n == 1 ? "" : "s");
}

}  // namespace

bool spool_syncs(const SpoolConfig& spool) {
  return spool.enabled() && spool.ack_after == AckAfter::kFsync;
}

SpoolStatus read_spool_status(const SpoolConfig& spool, const Scoreboard& scoreboard) {
  SpoolStatus status;
  status.usage = spool_usage_or_warn(spool.path);
  if (spool_syncs(spool)) status.syncs = sync_totals(scoreboard);
  return status;
}

std::string render_spool_text(const SpoolStatus& spool) {
  std::string out = "spool: ";
  if (spool.usage) {
    out += counted(spool.usage->segments, "segment") + ", " + counted(spool.usage->bytes, "byte");
  } else {
    out += "its directory cannot be read";
  }
  if (spool.syncs) {
    uint64_t count = histogram_count(spool.syncs->buckets);
    out += "; fsync: " + counted(count, "sync");
    if (count > 0)
      out += ", " + histogram_summary(kSyncBounds, spool.syncs->buckets, spool.syncs->sum_ns);
  }
  return out + "\n";
}

std::string render_spool_json(const SpoolStatus& spool) {
  std::string members;
  if (spool.usage) {
    members =
        fmt::format("\"bytes\":{},\"segments\":{}", spool.usage->bytes, spool.usage->segments);
  }
  if (spool.syncs) {
    members += fmt::format("{}\"fsync\":{}", members.empty() ? "" : ",",
                           histogram_json(kSyncBounds, spool.syncs->buckets, spool.syncs->sum_ns));
  }
  return ",\"spool\":{" + members + "}";
}

}  // namespace ackd
