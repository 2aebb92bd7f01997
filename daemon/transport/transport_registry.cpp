// The one place that picks a stream listener's transport from its config
// (make_stream_transport, declared in stream_transport.h): plain, or TLS
// for a listener with [listener.tls], with a PROXY protocol header taken
// off first when the listener expects one.
#include "daemon/transport/plain_stream.h"
#include "daemon/transport/proxy_stream.h"
#include "daemon/transport/stream_transport.h"
#include "daemon/transport/tls_stream.h"

namespace ackd {

std::unique_ptr<StreamTransport> make_stream_transport(const ListenerConfig& config) {
  std::unique_ptr<StreamTransport> transport;
  if (config.tls) {
    transport = std::make_unique<TlsTransport>(config);
  } else {
    transport = std::make_unique<PlainTransport>(config);
  }
  if (config.proxy_protocol != ProxyProtocol::kOff) {
    transport = std::make_unique<ProxyTransport>(std::move(transport), config);
  }
  return transport;
}

}  // namespace ackd
