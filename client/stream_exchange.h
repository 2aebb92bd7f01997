// The exchange on a connected stream (TCP, unix, either under TLS): each message goes
// out followed by LF, one ack line comes back per message. Ends with the
// server closing first when it will (shutdown(SHUT_WR), then EOF), so the
// client never cuts off an ack in flight. A server may close after some of
// the acks (draining for a reload, or messages_per_connection): a clean
// close right after an ack means the messages after it were not taken.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "client/ack_handler.h"
#include "client/client_stream.h"
#include "client/deadline.h"
#include "common/socket_address.h"

namespace ackd::client {

// Sends `preamble` first (a PROXY header), in the same write as the
// messages. Calls on_ack for each ack, in order. An ack ended by EOF instead of LF is
// valid. Returns how many messages were acked: all of them, or fewer when
// the server closed cleanly after at least one ack (the caller sends the
// rest on a new connection). Throws ClientError: kExitTimeout if the acks
// are not all in by the deadline, kExitProtocol if the server resets the
// connection or closes it before any ack.
size_t stream_exchange(ClientStream& stream, const SocketAddress& peer,
                       const std::vector<std::string>& messages, const Deadline& deadline,
                       const AckHandler& on_ack, std::string_view preamble = {});

}  // namespace ackd::client
