// SendTarget: where `ackctl send` sends and what, from its options. Pure, so
// the command-line rules are unit-tested without sockets.
#pragma once

#include <optional>
#include <string>

#include "client/proxy_preamble.h"
#include "client/send_options.h"
#include "client/tls_client.h"
#include "common/duration.h"
#include "common/endpoint.h"

namespace ackd::client {

enum class Transport { kTcp, kUdp, kUnix, kUnixgram };

struct SendTarget {
  Transport transport = Transport::kTcp;
  Endpoint endpoint;                   // kTcp, kUdp
  std::string path;                    // kUnix, kUnixgram
  std::optional<std::string> message;  // nullopt: read stdin
  Duration timeout{};
  int retries = 0;
  ProxyPreamble proxy;   // streams: a PROXY header first on each connection
  TlsClientOptions tls;  // streams: TLS on each connection (after the PROXY header)
};

// Throws ClientError(kExitUsage) saying what is wrong with the operands.
SendTarget parse_send_target(const SendOptions& options);

bool is_datagram(Transport transport);

}  // namespace ackd::client
