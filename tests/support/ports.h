// Free loopback ports for tests: never fixed numbers, so tests run in
// parallel with each other and with whatever else the machine runs.
#pragma once

#include <cstdint>

namespace ackd::test {

// A port on 127.0.0.1 that is free for both TCP and UDP at the time of the
// call (both probe sockets are closed before returning), at random below
// the kernel's ephemeral range: a port in that range can be taken by any
// outgoing connection on the machine before the test's server binds it (a
// nats-server's route port was, under load), and a client retrying a
// connection to such a port can connect to itself. No other test process
// gets it while this one runs (a lock file in /tmp/ackd-test-ports). Throws
// std::system_error if no such port is found.
uint16_t free_port();

}  // namespace ackd::test
