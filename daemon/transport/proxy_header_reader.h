// ProxyHeaderReader: what a stream that begins with a PROXY protocol header
// (HAProxy's doc/proxy-protocol.txt) does with it, whatever reads its bytes:
// believe it only from a trusted proxy (trusted_proxies; any client of a
// unix listener), parse it where it was read (or from the pieces it came
// in), let the listener's allow and deny lists judge the client it names,
// and refuse anything else with one ERR line, logged at a bounded rate.
// Once open, name() names the client and the proxy it came through:
// "203.0.113.9:5000 via 127.0.0.1:41000". The streams that use it:
// ProxiedPlainStream (plain bytes after the header, the usual case, made
// lean: it runs per connection) and ProxyStream (a layer after it, TLS).
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/socket_address.h"
#include "daemon/access/refusal.h"
#include "daemon/config/config.h"
#include "daemon/log/shared_log_throttle.h"
#include "daemon/transport/proxy_header.h"
#include "daemon/transport/proxy_v2.h"

namespace ackd {

class ProxyHeaderReader {
 public:
  enum class Step : uint8_t {
    kNeedMore,  // a valid beginning: read more (within message_timeout)
    kOpen,      // the header is whole and admitted: header_length() bytes
    kRefused,   // refused: refusal() is the ERR line, refused_as() its kind
  };

  // `config` and `refusals` (the throttle of the refusals' warnings) outlive this.
  ProxyHeaderReader(const ListenerConfig& config, SharedLogThrottle& refusals)
      : config_(config), refusals_(refusals) {}

  // Before the first byte: a header is believed from a trusted proxy only.
  Step check_sender(const SocketAddress& real_peer) {
    // Unix clients are whoever may open the socket file: its mode says who.
    if (real_peer.family() == AF_UNIX || config_.trusted_proxies.contains(real_peer)) {
      return Step::kNeedMore;
    }
    return refuse("PROXY header from an untrusted source", real_peer, Refusal::kProxyUntrusted);
  }
  // `got`: the bytes of this read. If the header came in pieces, those of
  // the reads before are put in front (`got` becomes all of them); the
  // usual whole header is parsed where it was read, with no copy.
  Step take(std::string_view& got, const SocketAddress& real_peer) {
    // The usual header (v2, TCP, no TLV), whole in the first read: its
    // client is all there is to keep.
    if (bytes_kept() == 0 && accepts_v2()) {
      if (size_t length = parse_proxy_v2_usual(got, client_)) {
        length_ = static_cast<uint16_t>(length);
        proxied_ = true;
        return admits_client(real_peer) ? open_now() : Step::kRefused;
      }
    }
    return take_any(got, real_peer);
  }
  Step refuse(std::string_view why, const SocketAddress& real_peer,
              Refusal kind = Refusal::kProxyHeader);
  // The header did not come whole within message_timeout: the ERR line.
  std::string_view refuse_late(const SocketAddress& real_peer);

  bool reading() const { return state_ == State::kHeader; }
  // Bytes of the header came in an earlier read (kept for the next ones).
  size_t bytes_kept() const { return rare_ != nullptr ? rare_->received.size() : 0; }
  bool open() const { return state_ == State::kOpen; }
  size_t header_length() const { return length_; }
  std::string_view refusal() const {
    return rare_ != nullptr ? std::string_view(rare_->refusal) : std::string_view();
  }
  Refusal refused_as() const { return refused_as_; }
  // The client the trusted proxy reports, once open; nullptr for a LOCAL
  // or UNKNOWN header (the real endpoints stand) and before.
  const SocketAddress* client() const {
    return state_ == State::kOpen && proxied_ ? &client_ : nullptr;
  }
  // The name to record, once open: "client via <real_peer_text> [id=...]",
  // or real_peer_text alone for LOCAL and UNKNOWN. Made when first asked
  // (only the log and the spool ask) and kept by the stream: no string is
  // made and freed here per connection.
  std::string name(std::string_view real_peer_text) const;

 private:
  enum class State : uint8_t { kHeader, kOpen, kRefused };

  bool accepts_v2() const {
    return config_.proxy_protocol == ProxyProtocol::kV2 ||
           config_.proxy_protocol == ProxyProtocol::kAny;
  }
  // A whole header that names a client: the listener's allow and deny
  // lists judge it (false: refused).
  bool admits_client(const SocketAddress& real_peer) {
    return config_.access.empty() || admit_listed(real_peer);
  }
  bool admit_listed(const SocketAddress& real_peer);
  Step open_now() {
    state_ = State::kOpen;
    return Step::kOpen;
  }
  Step take_any(std::string_view& got, const SocketAddress& real_peer);

  // What most connections never need (a header in pieces, a refusal, a
  // unique id), apart: made when first needed, not per connection.
  struct Rare {
    std::string received;   // the bytes of a header that came in pieces, so far
    std::string unique_id;  // copied from the bytes read
    std::string refusal;
  };
  Rare& rare() {
    if (rare_ == nullptr) rare_ = std::make_unique<Rare>();
    return *rare_;
  }

  const ListenerConfig& config_;
  SharedLogThrottle& refusals_;
  State state_ = State::kHeader;
  Refusal refused_as_ = Refusal::kProxyHeader;
  // What the header said that is used, once whole (a unique id goes to
  // rare_; the destination is not kept: nothing reads it).
  bool proxied_ = false;  // it names the client: client_ is set
  uint16_t length_ = 0;   // of the header: the data follows
  static_assert(kProxyHeaderMaxSize <= UINT16_MAX);
  // Not zeroed per connection: set with proxied_, read only then.
  SocketAddress client_{SocketAddress::Unset{}};
  std::unique_ptr<Rare> rare_;
};

}  // namespace ackd
