// Service: what the daemon does with one message (the tutorial's dostuff).
// The transports (stream connections, datagram sockets) frame messages and
// deliver each one here; the service appends its reply. The master, the
// workers and main() know nothing of acks: a new service is a new class
// plus one line in service_registry.cpp.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/config/config.h"

namespace ackd {

class Service {
 public:
  virtual ~Service() = default;
  // Appends the reply to `message` to `reply` (one line, without its LF: the
  // stream transport adds it; a datagram reply is sent as it is).
  virtual void respond(std::string_view message, std::string& reply) = 0;
};

// The service a listener names (`service = "ack"`); nullptr if unknown.
std::unique_ptr<Service> make_service(const ListenerConfig& listener);
std::vector<std::string> service_names();

// Protocol error replies, sent by the transports before they close.
inline constexpr std::string_view kErrTooLong = "ERR message too long";
inline constexpr std::string_view kErrMessageTimeout = "ERR message timeout";

}  // namespace ackd
