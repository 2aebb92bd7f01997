#include "daemon/transport/proxy_stream.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstring>

#include "common/escape.h"
#include "daemon/log/shared_log_throttle.h"

namespace ackd {
namespace {

// The memory of freed streams, each block holding a pointer to the next
// (a process has one thread). It keeps as many as were ever open at once.
void* g_free_streams = nullptr;

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

void* ProxyStream::operator new(size_t size) {
  if (g_free_streams == nullptr) return ::operator new(size);
  void* memory = g_free_streams;
  g_free_streams = *static_cast<void**>(memory);
  return memory;
}

void ProxyStream::operator delete(void* memory) noexcept {
  *static_cast<void**>(memory) = g_free_streams;
  g_free_streams = memory;
}

ProxyStream::ProxyStream(std::unique_ptr<ByteStream> socket, const SocketAddress& real_peer,
                         const ListenerConfig& config, SharedLogThrottle& refusals,
                         const StreamTransport* next)
    : inner_(std::move(socket)),
      real_peer_(real_peer),
      config_(config),
      refusals_(refusals),
      next_(next) {}

IoResult ProxyStream::read(std::span<char> buffer) {
  if (state_ != State::kHeader) return inner_read(buffer);
  if (!is_trusted(real_peer_, config_)) {
    return refuse("PROXY header from an untrusted source", Refusal::kProxyUntrusted);
  }
  return next_ != nullptr ? read_header_exactly(buffer) : read_header(buffer);
}

// The header is parsed from all that came so far; the bytes past it are
// the first the framing sees.
IoResult ProxyStream::read_header(std::span<char> buffer) {
  IoResult read = inner_->read(buffer);
  if (read.status == IoResult::kEnd && received_.empty()) return read;  // a probe: no byte
  if (read.status == IoResult::kEnd) return refuse("connection ended inside the PROXY header");
  if (read.status != IoResult::kDone) return read;
  std::string_view got(buffer.data(), read.bytes);
  ProxyParseResult parsed = parse(got);
  if (parsed.status == ProxyParseStatus::kError) return refuse("bad PROXY header: " + parsed.error);
  if (parsed.status == ProxyParseStatus::kNeedMore) return {IoResult::kWouldBlock};
  if (!admit(parsed.header)) return {IoResult::kRefused};
  // What follows the header came in this read (the header did not end
  // before it): it fits in the buffer, moved down to its start.
  size_t rest = got.size() - parsed.header.length;
  std::memmove(buffer.data(), got.data() + parsed.header.length, rest);
  if (!received_.empty()) received_ = std::string();
  if (rest > 0) return {IoResult::kDone, rest};
  return inner_->read(buffer);  // the first message often came with the header
}

// The next layer reads the socket itself (TLS): no byte past the header may
// be taken from it. What came is peeked at, and only the header's bytes are
// read: all of them while the header is not whole (each is part of it, so
// the socket never stays readable with them), then exactly its rest.
IoResult ProxyStream::read_header_exactly(std::span<char> buffer) {
  // The parser ends every header within kProxyHeaderMaxSize bytes.
  std::span<char> window =
      buffer.first(std::min(buffer.size(), kProxyHeaderMaxSize - received_.size()));
  assert(!window.empty());
  IoResult peeked = inner_->peek(window);
  if (peeked.status == IoResult::kEnd && received_.empty()) return peeked;  // a probe: no byte
  if (peeked.status == IoResult::kEnd) return refuse("connection ended inside the PROXY header");
  if (peeked.status != IoResult::kDone) return peeked;
  size_t before = received_.size();
  std::string_view got(window.data(), peeked.bytes);
  ProxyParseResult parsed = parse(got);
  if (parsed.status == ProxyParseStatus::kError) return refuse("bad PROXY header: " + parsed.error);
  bool whole = parsed.status == ProxyParseStatus::kDone;
  size_t take = whole ? parsed.header.length - before : peeked.bytes;
  IoResult taken = inner_->read(window.first(take));  // the bytes peeked at, again
  if (taken.status != IoResult::kDone || taken.bytes != take) return {IoResult::kBroken};
  if (!whole) return {IoResult::kWouldBlock};
  if (!admit(parsed.header)) return {IoResult::kRefused};
  // The next layer takes the socket, the header off it.
  if (!received_.empty()) received_ = std::string();
  inner_ = next_->open(inner_->release(), real_peer_);
  return inner_read(buffer);  // its opening often came with the header
}

// Parses the bytes of this read, `got`, after those of the reads before
// if a header came in pieces (`got` becomes all of them); the usual whole
// header is parsed where it was read, with no copy. A beginning of a
// header is kept for the next read.
ProxyParseResult ProxyStream::parse(std::string_view& got) {
  if (!received_.empty()) {
    received_.append(got);
    got = received_;
  }
  ProxyParseResult parsed = parse_proxy_header(got, config_.proxy_protocol);
  if (parsed.status == ProxyParseStatus::kNeedMore && received_.empty()) received_.assign(got);
  return parsed;
}

// A whole header: the listener's allow and deny lists judge the client the
// proxy reports; if they admit it, the stream is open (false: refused).
bool ProxyStream::admit(const ProxyHeader& header) {
  if (std::optional<Refusal> refused =
          header.proxied ? config_.access.refuses(header.source) : std::nullopt) {
    refuse("client " + header.source.to_string() + " not admitted by allow/deny", *refused);
    return false;
  }
  state_ = State::kOpen;
  if (header.proxied) source_ = header.source;  // formatted only if peer() is asked
  if (!header.unique_id.empty()) unique_id_ = header.unique_id;
  return true;
}

// The next layer's read; a refusal there (TLS) is counted as its kind.
IoResult ProxyStream::inner_read(std::span<char> buffer) {
  IoResult result = inner_->read(buffer);
  follow_waits();
  if (result.status == IoResult::kRefused) refused_as_ = inner_->refused_as();
  return result;
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
  if (state_ != State::kHeader) return inner_->refuse_late();  // the next layer's opening
  refuse("no complete PROXY header within message_timeout");
  return refusal_;
}

std::string_view ProxyStream::peer() {
  // The next layer adds to the name (TLS: the client's) once it is open.
  if (state_ != State::kOpen || inner_->opening()) return inner_->peer();
  if (!peer_text_.empty()) return peer_text_;
  if (!source_) {
    peer_text_ = inner_->peer();  // LOCAL or UNKNOWN: the real endpoints
  } else {
    peer_text_ = source_->to_raw_string() + " via ";
    peer_text_ += inner_->peer();
  }
  if (!unique_id_.empty()) peer_text_ += " id=" + unique_id_;
  return peer_text_;
}

}  // namespace ackd
