// The one place that picks a stream listener's transport from its config
// (make_stream_transport, declared in stream_transport.h): plain, or TLS
// for a listener with [listener.tls].
#include "daemon/transport/plain_stream.h"
#include "daemon/transport/stream_transport.h"
#include "daemon/transport/tls_stream.h"

namespace ackd {

std::unique_ptr<StreamTransport> make_stream_transport(const ListenerConfig& config) {
  if (config.tls) return std::make_unique<TlsTransport>(config);
  return std::make_unique<PlainTransport>(config);
}

}  // namespace ackd
