#include "daemon/transport/proxy_header_reader.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>

namespace ackd {

ProxyHeaderReader::Step ProxyHeaderReader::check_sender(const SocketAddress& real_peer) {
  // Unix clients are whoever may open the socket file: its mode says who.
  if (real_peer.family() == AF_UNIX || config_.trusted_proxies.contains(real_peer)) {
    return Step::kNeedMore;
  }
  return refuse("PROXY header from an untrusted source", real_peer, Refusal::kProxyUntrusted);
}

ProxyHeaderReader::Step ProxyHeaderReader::take(std::string_view& got,
                                                const SocketAddress& real_peer) {
  if (!received_.empty()) {
    received_.append(got);
    got = received_;
  }
  switch (parse_proxy_header(got, config_.proxy_protocol, header_, refusal_)) {
    case ProxyParseStatus::kNeedMore:
      if (received_.empty()) received_.assign(got);  // kept for the next read
      return Step::kNeedMore;
    case ProxyParseStatus::kError:
      return refuse("bad PROXY header: " + refusal_, real_peer);  // refuse() remakes refusal_
    case ProxyParseStatus::kDone:
      break;
  }
  // A header that came in pieces stays in received_ (`got` is there, and
  // the bytes after the header with it) until the stream goes: 2 KiB at most.
  return admit(real_peer) ? Step::kOpen : Step::kRefused;
}

// A whole header: the listener's allow and deny lists judge the client the
// proxy reports; if they admit it, the stream is open (false: refused).
bool ProxyHeaderReader::admit(const SocketAddress& real_peer) {
  if (std::optional<Refusal> refused =
          header_.proxied ? config_.access.refuses(header_.source) : std::nullopt) {
    refuse("client " + header_.source.to_string() + " not admitted by allow/deny", real_peer,
           *refused);
    return false;
  }
  state_ = State::kOpen;
  // The id is in the bytes read: kept before they go.
  if (!header_.unique_id.empty()) unique_id_ = header_.unique_id;
  return true;
}

// Refusals can come as fast as connections: logged once per interval, by
// whichever process of the worker's family (fork mode) comes first.
ProxyHeaderReader::Step ProxyHeaderReader::refuse(std::string_view why,
                                                  const SocketAddress& real_peer, Refusal kind) {
  state_ = State::kRefused;
  refused_as_ = kind;
  refusal_ = "ERR ";
  refusal_ += why;
  if (auto note = refusals_.admit(std::chrono::steady_clock::now())) {
    spdlog::warn("listener {}: refused the connection of {}: {}{}", config_.name,
                 real_peer.to_string(), why, *note);
  }
  return Step::kRefused;
}

std::string_view ProxyHeaderReader::refuse_late(const SocketAddress& real_peer) {
  refuse("no complete PROXY header within message_timeout", real_peer);
  return refusal_;
}

std::string_view ProxyHeaderReader::peer(std::string_view real_peer_text) {
  if (!peer_text_.empty()) return peer_text_;
  if (!header_.proxied) {
    peer_text_ = real_peer_text;  // LOCAL or UNKNOWN: the real endpoints
  } else {
    peer_text_ = header_.source.to_raw_string() + " via ";
    peer_text_ += real_peer_text;
  }
  if (!unique_id_.empty()) peer_text_ += " id=" + unique_id_;
  return peer_text_;
}

}  // namespace ackd
