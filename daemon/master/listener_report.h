// The listeners' counts in `ackctl status`: per listener since the daemon
// started (one a reload removed included), the numbers the metrics serve
// as ackd_listener_*: connections, messages, replies, errors, bytes, the
// reply latency, and the refusals by reason (the text names only those
// that happened; the JSON has every reason).
#pragma once

#include <string>
#include <vector>

#include "daemon/scoreboard_totals.h"

namespace ackd {

// A table with a row per listener ("" if none has counted anything yet).
std::string render_listener_totals_text(const std::vector<ListenerTotals>& listeners);
// `,"listener_totals":[{...}]`.
std::string render_listener_totals_json(const std::vector<ListenerTotals>& listeners);

}  // namespace ackd
