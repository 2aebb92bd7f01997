// The exchange on a connected stream socket (TCP, unix): each message goes
// out followed by LF, one ack line comes back per message. Ends with the
// server closing first when it will (shutdown(SHUT_WR), then EOF), so the
// client never cuts off an ack in flight.
#pragma once

#include <string>
#include <vector>

#include "client/ack_handler.h"
#include "client/deadline.h"
#include "common/socket_address.h"

namespace ackd::client {

// Calls on_ack for each ack, in order. An ack ended by EOF instead of LF is
// valid. Throws ClientError: kExitTimeout if the acks are not all in by the
// deadline, kExitProtocol if the server closes or resets before them.
void stream_exchange(int fd, const SocketAddress& peer, const std::vector<std::string>& messages,
                     const Deadline& deadline, const AckHandler& on_ack);

}  // namespace ackd::client
