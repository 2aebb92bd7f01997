// ackctl top: a compact live view of the daemon, refreshed every interval
// on a terminal (a frame after another otherwise): the totals since the
// daemon started with their rates per second (refusals by reason, the
// spool's syncs and replication's records among them), connections open
// now, the processes per role, reloads and upgrades. Read from `status json`.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "client/status_fields.h"

namespace ackd::client {

void setup_top(CLI::App& app);

// One frame: `now`, with rates against `before` taken `seconds` earlier
// (none on the first frame).
std::string render_top(const StatusFields& now, const std::optional<StatusFields>& before,
                       double seconds);

}  // namespace ackd::client
