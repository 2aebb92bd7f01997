// The exchange on a connected datagram socket (UDP, unix datagram): one
// datagram per message, one reply datagram each, resent with backoff while
// no reply comes, all within one deadline.
#pragma once

#include <string>
#include <vector>

#include "client/ack_handler.h"
#include "client/deadline.h"
#include "common/socket_address.h"

namespace ackd::client {

// Calls on_ack with each reply, one trailing LF removed. Sends each message
// up to `retries` + 1 times. Throws ClientError: kExitTimeout when a message
// gets no reply by the deadline, kExitRefused when the server refuses.
void datagram_exchange(int fd, const SocketAddress& peer, const std::vector<std::string>& messages,
                       int retries, const Deadline& deadline, const AckHandler& on_ack);

}  // namespace ackd::client
