#include "daemon/transport/proxy_header_reader.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>

namespace ackd {

ProxyHeaderReader::Step ProxyHeaderReader::take_any(std::string_view& got,
                                                    const SocketAddress& real_peer) {
  if (bytes_kept() != 0) {
    rare_->received.append(got);
    got = rare_->received;
  }
  std::string error;
  ProxyHeader header{SocketAddress::Unset{}};
  switch (parse_proxy_header(got, config_.proxy_protocol, header, error)) {
    case ProxyParseStatus::kNeedMore:
      if (bytes_kept() == 0) rare().received.assign(got);  // kept for the next read
      return Step::kNeedMore;
    case ProxyParseStatus::kError:
      return refuse("bad PROXY header: " + error, real_peer);
    case ProxyParseStatus::kDone:
      break;
  }
  // A header that came in pieces stays kept (`got` is there, and the bytes
  // after the header with it) until the stream goes: 2 KiB at most.
  length_ = static_cast<uint16_t>(header.length);
  proxied_ = header.proxied;
  if (proxied_) {
    client_ = header.source;
    if (!admits_client(real_peer)) return Step::kRefused;
  }
  // The id is in the bytes read: kept before they go.
  if (!header.unique_id.empty()) rare().unique_id = header.unique_id;
  return open_now();
}

// The allow/deny lists refuse the client: refused.
bool ProxyHeaderReader::admit_listed(const SocketAddress& real_peer) {
  if (std::optional<Refusal> refused = config_.access.refuses(client_)) {
    refuse("client " + client_.to_string() + " not admitted by allow/deny", real_peer, *refused);
    return false;
  }
  return true;
}

// Refusals can come as fast as connections: logged once per interval, by
// whichever process of the worker's family (fork mode) comes first.
ProxyHeaderReader::Step ProxyHeaderReader::refuse(std::string_view why,
                                                  const SocketAddress& real_peer, Refusal kind) {
  state_ = State::kRefused;
  refused_as_ = kind;
  std::string& refusal = rare().refusal;
  refusal = "ERR ";
  refusal += why;
  if (auto note = refusals_.admit(std::chrono::steady_clock::now())) {
    spdlog::warn("listener {}: refused the connection of {}: {}{}", config_.name,
                 real_peer.to_string(), why, *note);
  }
  return Step::kRefused;
}

std::string_view ProxyHeaderReader::refuse_late(const SocketAddress& real_peer) {
  refuse("no complete PROXY header within message_timeout", real_peer);
  return rare_->refusal;
}

std::string ProxyHeaderReader::name(std::string_view real_peer_text) const {
  std::string name;
  if (!proxied_) {
    name = real_peer_text;  // LOCAL or UNKNOWN: the real endpoints
  } else {
    name = client_.to_raw_string() + " via ";
    name += real_peer_text;
  }
  if (rare_ != nullptr && !rare_->unique_id.empty()) name += " id=" + rare_->unique_id;
  return name;
}

}  // namespace ackd
