// The sd_notify(3) protocol, natively: a datagram of "KEY=VALUE" lines to
// $NOTIFY_SOCKET. Native because it is a dozen lines, and so readiness works
// (and is tested) without libsystemd. Returns >0 sent, 0 not under a
// notifying manager, <0 -errno.
#pragma once

#include <string_view>

namespace ackd {

int notify(std::string_view state);

}  // namespace ackd
