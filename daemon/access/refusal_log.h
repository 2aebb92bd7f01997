// log_refusal: one warning line per refused source at most every 10 s per
// process (LogThrottle), however fast refusals come: an allow list or a
// rate limit under attack never floods the log. Counting is the caller's.
#pragma once

#include <string_view>

#include "common/socket_address.h"

namespace ackd {

// "listener edge: refused 10.9.0.7:40112: denied by deny (N similar suppressed)".
void log_refusal(std::string_view listener, const SocketAddress& source, std::string_view why);

}  // namespace ackd
