// Service: what the daemon does with one message (the tutorial's dostuff).
// The transports (stream connections, datagram sockets) frame messages and
// deliver each one here; the service appends its reply. The master, the
// workers and main() know nothing of acks: a new service is a new file with
// its entry, and one line in the registry's table (service_registry.cpp).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "daemon/config/config.h"
#include "daemon/scoreboard.h"

namespace ackd {

class Service {
 public:
  virtual ~Service() = default;
  // Appends the reply to `message` to `reply`. On a stream the message never
  // holds an LF (the framing ends it there) and the transport adds the LF
  // after the reply, which must be one line; a datagram reply is sent as it is.
  virtual void respond(std::string_view message, std::string& reply) = 0;
  // A service that speaks first (an agent answering a load balancer's check
  // as soon as it connects): appends its one line to `reply` (the transport
  // adds the LF) and returns true; a stream connection then closes after it.
  // Most services wait to be spoken to.
  virtual bool greet(std::string& /*reply*/) { return false; }
};

// What a service may read of the daemon beyond its listener: the scoreboard
// (the daemon's state: serving, draining...). Null where there is none (a
// service made in a test, or by the config checker).
struct ServiceContext {
  const Scoreboard* scoreboard = nullptr;
};

// What a service read from its listener's table (its own keys), kept in the
// ListenerConfig as an immutable value that only that service looks into.
class ServiceOptions {
 public:
  virtual ~ServiceOptions() = default;
};

// The service a listener names (`service = "ack"`), made with its options;
// nullptr if the name is unknown (a config that parsed never has one).
std::unique_ptr<Service> make_service(const ListenerConfig& listener,
                                      const ServiceContext& context = {});

// Protocol error replies, sent by the transports before they close.
inline constexpr std::string_view kErrTooLong = "ERR message too long";
// Over the listener's max_messages_per_second_per_source (daemon/access/).
inline constexpr std::string_view kErrRateLimited = "ERR rate limited";
inline constexpr std::string_view kErrMessageTimeout = "ERR message timeout";

}  // namespace ackd
