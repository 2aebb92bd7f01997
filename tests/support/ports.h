// Free loopback ports for tests: never fixed numbers, so tests run in
// parallel with each other and with whatever else the machine runs.
#pragma once

#include <cstdint>

namespace ackd::test {

// A port on 127.0.0.1 that is free for both TCP and UDP at the time of the
// call (both probe sockets are closed before returning). Throws
// std::system_error if no such port is found.
uint16_t free_port();

}  // namespace ackd::test
