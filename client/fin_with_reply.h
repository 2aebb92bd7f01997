// Whether the server's FIN came with the reply a keep-alive client just
// read, so that it never sends into a connection the server is closing
// (ackd puts the FIN in the segment of the last reply it sends).
#pragma once

#include <cstdint>

namespace ackd::client {

// `events`: what the wait that woke the reader reported. It tells when the
// reply's own segment woke it. Over TLS it can be stale: on a connection's
// first exchange the server's session tickets arrive apart, can wake the
// wait, and SSL_read then also takes the reply (and meets the FIN) that
// came after it. There (`events_may_be_stale`) the socket is asked, without
// waiting: once per connection, not per exchange.
bool fin_came_with_reply(int fd, uint32_t events, bool events_may_be_stale);

}  // namespace ackd::client
