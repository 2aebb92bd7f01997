// The echo service (RFC 862): the reply to a message is the message itself,
// for path and payload checks. On a stream a message never holds an LF (the
// framing ends it there), so its echo is one line; a datagram's echo is the
// datagram, byte for byte, and never larger (the UDP reply bound holds).
#pragma once

#include "daemon/service/service_registry.h"

namespace ackd {

const ServiceEntry& echo_service();

}  // namespace ackd
