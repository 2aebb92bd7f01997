// The haproxy-agent service: HAProxy's agent-check (`agent-check
// agent-port N`) connects, reads one line and closes. The line says the
// daemon's own state, from the scoreboard: "up ready" while serving (ready
// also ends a drain it announced before), "drain" while it drains before a
// stop (drain_before_stop) or hands over to a new binary (USR2), "maint"
// once it stops. A message (HAProxy's agent-send) gets the same line.
#pragma once

#include <string_view>

#include "daemon/scoreboard.h"
#include "daemon/service/service_registry.h"

namespace ackd {

const ServiceEntry& haproxy_agent_service();

// The agent's answer in `state`, without its LF.
std::string_view haproxy_agent_answer(DaemonState state);

}  // namespace ackd
