// The one place that picks a stream listener's transport from its config
// (make_stream_transport, declared in stream_transport.h): plain today; a
// PROXY protocol or TLS listener's tomorrow.
#include "daemon/transport/plain_stream.h"
#include "daemon/transport/stream_transport.h"

namespace ackd {

std::unique_ptr<StreamTransport> make_stream_transport(const ListenerConfig& config) {
  return std::make_unique<PlainTransport>(config);
}

}  // namespace ackd
