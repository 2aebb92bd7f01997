// StreamTransport: what a stream listener's connections speak beneath the
// framing, made once per listener in each worker (a TLS listener's would
// hold its certificates). It wraps each accepted socket in a ByteStream.
// make_stream_transport (transport_registry.cpp) picks it from the config.
#pragma once

#include <memory>

#include "common/socket_address.h"
#include "common/unique_fd.h"
#include "daemon/config/config.h"
#include "daemon/transport/byte_stream.h"

namespace ackd {

class StreamTransport {
 public:
  virtual ~StreamTransport() = default;
  virtual std::unique_ptr<ByteStream> open(UniqueFd fd, const SocketAddress& peer) const = 0;
};

// The transport of a stream listener (`config` outlives it).
std::unique_ptr<StreamTransport> make_stream_transport(const ListenerConfig& config);

}  // namespace ackd
