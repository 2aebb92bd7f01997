#include "daemon/transport/proxy_stream.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "common/escape.h"
#include "daemon/log/shared_log_throttle.h"

namespace ackd {
namespace {

// Refusals can come as fast as connections: logged once per interval, by
// whichever process of the worker's family (fork mode) comes first.
void log_refusal(SharedLogThrottle& throttle, const ListenerConfig& config,
                 const SocketAddress& peer, std::string_view why) {
  if (auto note = throttle.admit(std::chrono::steady_clock::now())) {
    spdlog::warn("listener {}: refused the connection of {}: {}{}", config.name, peer.to_string(),
                 why, *note);
  }
}

// Unix clients are whoever may open the socket file: its mode says who.
bool is_trusted(const SocketAddress& peer, const ListenerConfig& config) {
  return peer.family() == AF_UNIX || config.trusted_proxies.contains(peer);
}

}  // namespace

ProxyStream::ProxyStream(std::unique_ptr<ByteStream> inner, const SocketAddress& real_peer,
                         const ListenerConfig& config, SharedLogThrottle& refusals)
    : inner_(std::move(inner)), real_peer_(real_peer), config_(config), refusals_(refusals) {}

IoResult ProxyStream::read(std::span<char> buffer) {
  if (state_ != State::kHeader) return inner_->read(buffer);
  if (!is_trusted(real_peer_, config_)) {
    return refuse("PROXY header from an untrusted source", Refusal::kProxyUntrusted);
  }
  return read_header(buffer);
}

// The header is parsed from all that came so far; the bytes past it are
// the first the framing sees.
IoResult ProxyStream::read_header(std::span<char> buffer) {
  IoResult read = inner_->read(buffer);
  if (read.status == IoResult::kEnd && received_.empty()) return read;  // a probe: no byte
  if (read.status == IoResult::kEnd) return refuse("connection ended inside the PROXY header");
  if (read.status != IoResult::kDone) return read;
  received_.append(buffer.data(), read.bytes);
  ProxyParseResult parsed = parse_proxy_header(received_, config_.proxy_protocol);
  if (parsed.status == ProxyParseStatus::kError) return refuse("bad PROXY header: " + parsed.error);
  if (parsed.status == ProxyParseStatus::kNeedMore) return {IoResult::kWouldBlock};
  return opened(parsed.header, buffer);
}

IoResult ProxyStream::opened(const ProxyHeader& header, std::span<char> buffer) {
  // The listener's allow and deny lists judge the client the proxy reports.
  if (std::optional<Refusal> refused =
          header.proxied ? config_.access.refuses(header.source) : std::nullopt) {
    return refuse("client " + header.source.to_string() + " not admitted by allow/deny", *refused);
  }
  state_ = State::kOpen;
  if (header.proxied) {
    client_ = header.source.to_raw_string();
    source_ = header.source;
  }
  unique_id_ = header.unique_id;
  // What follows the header came in the last read: it fits in its buffer.
  size_t rest = received_.size() - header.length;
  std::copy_n(received_.data() + header.length, rest, buffer.data());
  received_ = std::string();
  if (rest > 0) return {IoResult::kDone, rest};
  return inner_->read(buffer);  // the first message often came with the header
}

IoResult ProxyStream::refuse(std::string_view why, Refusal kind) {
  state_ = State::kRefused;
  refused_as_ = kind;
  refusal_ = "ERR ";
  refusal_ += why;
  log_refusal(refusals_, config_, real_peer_, why);
  return {IoResult::kRefused};
}

std::string_view ProxyStream::refuse_late() {
  refuse("no complete PROXY header within message_timeout");
  return refusal_;
}

std::string_view ProxyStream::peer() {
  if (state_ != State::kOpen) return inner_->peer();
  if (!peer_text_.empty()) return peer_text_;
  if (client_.empty()) {
    peer_text_ = inner_->peer();  // LOCAL or UNKNOWN: the real endpoints
  } else {
    peer_text_ = client_ + " via ";
    peer_text_ += inner_->peer();
  }
  if (!unique_id_.empty()) peer_text_ += " id=" + unique_id_;
  return peer_text_;
}

}  // namespace ackd
