// When a datagram client resends: after 250ms, then 500ms, 1s, ... doubling,
// never past the deadline; the last send waits for whatever time is left.
#pragma once

#include "common/duration.h"

namespace ackd::client {

// How long to wait for a reply after send number `attempt` (0 = the first)
// of `retries` + 1 sends, with `remaining` left before the deadline.
Duration retry_wait(int attempt, int retries, Duration remaining);

}  // namespace ackd::client
