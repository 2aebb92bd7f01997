// The one place that picks a stream listener's transport from its config
// (make_stream_transport, declared in stream_transport.h): plain, or TLS
// for a listener with [listener.tls]; when the listener expects a PROXY
// protocol header, that comes first on the socket and hands it on to TLS
// (or to the plain bytes) once read.
#include "daemon/transport/plain_stream.h"
#include "daemon/transport/proxy_stream.h"
#include "daemon/transport/stream_transport.h"
#include "daemon/transport/tls_stream.h"

namespace ackd {

std::unique_ptr<StreamTransport> make_stream_transport(const ListenerConfig& config) {
  std::unique_ptr<StreamTransport> tls;
  if (config.tls) tls = std::make_unique<TlsTransport>(config);
  if (config.proxy_protocol != ProxyProtocol::kOff && !tls) {
    return std::make_unique<ProxiedPlainTransport>(config);
  }
  if (config.proxy_protocol != ProxyProtocol::kOff) {
    return std::make_unique<ProxyTransport>(std::make_unique<PlainTransport>(config),
                                            std::move(tls), config);
  }
  if (tls) return tls;
  return std::make_unique<PlainTransport>(config);
}

}  // namespace ackd
