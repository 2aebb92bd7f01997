// The ack service, the tutorial's: every message is answered with the
// listener's ack text (key `ack`, default "I got your message"), one line.
#pragma once

#include "daemon/service/service_registry.h"

namespace ackd {

const ServiceEntry& ack_service();

}  // namespace ackd
