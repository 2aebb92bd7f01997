// The spool directory, as the master keeps it: recovered at start (a torn
// tail left by a crash is cut; damage in the middle of a segment is
// reported and kept, with every whole record after it) and held under
// max_total_size by retiring the oldest closed segments. A segment is
// closed once no writer holds its lock: retention and recovery never touch
// the segment a worker or a dispatcher is writing.
#pragma once

#include <sys/types.h>

#include "daemon/config/config.h"

namespace ackd {

// At start, as the workers' user (the master creates the directory for
// them first: prepare_spool in supervisor.cpp): cuts torn tails of closed
// segments. Throws std::system_error.
void recover_spool(const SpoolConfig& config);

// Master, periodically: removes the oldest closed segments until the
// directory fits in max_total_size; with keep_unforwarded, only those the
// forwarder has shipped (see replicate/forward_position.h).
void enforce_spool_limit(const SpoolConfig& config, bool keep_unforwarded = false);

}  // namespace ackd
