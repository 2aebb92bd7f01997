#include "client/send_target.h"

#include <stdexcept>

#include "client/client_error.h"
#include "client/deadline.h"
#include "client/exit_codes.h"

namespace ackd::client {
namespace {

[[noreturn]] void usage_error(const std::string& what) {
  throw ClientError(kExitUsage, what + " (see ackctl send --help)");
}

Transport transport_of(const SendOptions& options) {
  if (!options.unix_path.empty()) return Transport::kUnix;
  if (!options.unixgram_path.empty()) return Transport::kUnixgram;
  return options.udp ? Transport::kUdp : Transport::kTcp;
}

// With a unix socket the only operand is the optional message.
void parse_unix_operands(const SendOptions& options, SendTarget& target) {
  if (options.operands.size() > 1) usage_error("with --unix or --unixgram, give no HOST PORT");
  if (!options.operands.empty()) target.message = options.operands[0];
  target.path = target.transport == Transport::kUnix ? options.unix_path : options.unixgram_path;
}

void parse_inet_operands(const SendOptions& options, SendTarget& target) {
  if (options.operands.size() < 2) usage_error("HOST and PORT are required");
  target.endpoint.host = parse_host(options.operands[0]);
  try {
    target.endpoint.port = parse_port(options.operands[1]);
  } catch (const std::invalid_argument& e) {
    usage_error(e.what());
  }
  if (options.operands.size() > 2) target.message = options.operands[2];
}

}  // namespace

bool is_datagram(Transport transport) {
  return transport == Transport::kUdp || transport == Transport::kUnixgram;
}

SendTarget parse_send_target(const SendOptions& options) {
  SendTarget target;
  target.transport = transport_of(options);
  if (target.transport == Transport::kUnix || target.transport == Transport::kUnixgram) {
    parse_unix_operands(options, target);
  } else {
    parse_inet_operands(options, target);
  }
  try {
    target.timeout = parse_positive_duration("--timeout", options.timeout);
  } catch (const std::invalid_argument& e) {
    usage_error(e.what());
  }
  if (options.retries < 0) usage_error("--retries must be 0 or more");
  target.retries = options.retries;
  try {
    target.proxy = make_proxy_preamble(options.proxy_v1, options.proxy_v2, options.proxy_source,
                                       is_datagram(target.transport));
  } catch (const std::invalid_argument& e) {
    usage_error(e.what());
  }
  target.tls = options.tls;
  bool tls_options = !options.tls.ca.empty() || !options.tls.cert.empty() ||
                     !options.tls.key.empty() || !options.tls.servername.empty();
  if (tls_options && !options.tls.enabled)
    usage_error("--ca, --cert, --key and --servername need --tls");
  if (options.tls.enabled && is_datagram(target.transport)) {
    usage_error("--tls is for streams (TCP, --unix), not datagrams");
  }
  if (options.tls.cert.empty() != options.tls.key.empty())
    usage_error("--cert and --key go together");
  return target;
}

}  // namespace ackd::client
