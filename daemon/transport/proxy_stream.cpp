#include "daemon/transport/proxy_stream.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "daemon/transport/free_blocks.h"

namespace ackd {
namespace {

using Step = ProxyHeaderReader::Step;

FreeBlocks g_free_streams;  // ProxiedPlainStream's

// The peer ended its output before the header was whole: with no byte of
// it, a probe (an end, not a refusal); inside it, refused.
IoResult ended_before_header(ProxyHeaderReader& header, const SocketAddress& real_peer) {
  if (header.bytes_kept() == 0) return {IoResult::kEnd};
  header.refuse("connection ended inside the PROXY header", real_peer);
  return {IoResult::kRefused};
}

// The header is parsed from all that came so far (`read` reads the
// socket); the bytes past it are the first the framing sees. kRefused:
// the reader says why.
template <typename Read>
IoResult read_header_then_data(ProxyHeaderReader& header, const SocketAddress& real_peer,
                               std::span<char> buffer, Read read_socket) {
  IoResult read = read_socket(buffer);
  if (read.status == IoResult::kEnd) return ended_before_header(header, real_peer);
  if (read.status != IoResult::kDone) return read;
  std::string_view got(buffer.data(), read.bytes);
  Step step = header.take(got, real_peer);
  if (step == Step::kRefused) return {IoResult::kRefused};
  if (step == Step::kNeedMore) return {IoResult::kWouldBlock};
  // What follows the header came in this read (the header did not end
  // before it): it fits in the buffer, moved down to its start.
  size_t rest = got.size() - header.header_length();
  if (rest == 0) return read_socket(buffer);  // the first message often came with the header
  std::memmove(buffer.data(), got.data() + header.header_length(), rest);
  return {IoResult::kDone, rest};
}

}  // namespace

IoResult ProxyStream::read(std::span<char> buffer) {
  if (!header_.reading()) return inner_read(buffer);
  if (header_.check_sender(real_peer_) == Step::kRefused) return refused();
  IoResult result =
      next_ != nullptr
          ? read_header_exactly(buffer)
          : read_header_then_data(header_, real_peer_, buffer,
                                  [this](std::span<char> into) { return inner_->read(into); });
  return result.status == IoResult::kRefused && !header_.open() ? refused() : result;
}

// The next layer reads the socket itself (TLS): no byte past the header may
// be taken from it. What came is peeked at, and only the header's bytes are
// read: all of them while the header is not whole (each is part of it, so
// the socket never stays readable with them), then exactly its rest.
IoResult ProxyStream::read_header_exactly(std::span<char> buffer) {
  // The parser ends every header within kProxyHeaderMaxSize bytes.
  size_t before = header_.bytes_kept();
  std::span<char> window = buffer.first(std::min(buffer.size(), kProxyHeaderMaxSize - before));
  assert(!window.empty());
  IoResult peeked = inner_->peek(window);
  if (peeked.status == IoResult::kEnd) return ended_before_header(header_, real_peer_);
  if (peeked.status != IoResult::kDone) return peeked;
  std::string_view got(window.data(), peeked.bytes);
  Step step = header_.take(got, real_peer_);
  if (step == Step::kRefused) return {IoResult::kRefused};  // the ERR line goes in clear
  bool whole = step == Step::kOpen;
  size_t take = whole ? header_.header_length() - before : peeked.bytes;
  IoResult taken = inner_->read(window.first(take));  // the bytes peeked at, again
  if (taken.status != IoResult::kDone || taken.bytes != take) return {IoResult::kBroken};
  if (!whole) return {IoResult::kWouldBlock};
  // The next layer takes the socket, the header off it, and knows the
  // client as the header names it (its failures are logged so); the
  // socket's own peer stays its address (a unix socket is drained as one).
  std::string name = header_.name(inner_->peer());
  inner_ = next_->open(inner_->release(), real_peer_);
  inner_->name_client(name);
  return inner_read(buffer);  // its opening often came with the header
}

// The next layer's read; a refusal there (TLS) is counted as its kind.
IoResult ProxyStream::inner_read(std::span<char> buffer) {
  IoResult result = inner_->read(buffer);
  follow_waits();
  if (result.status == IoResult::kRefused) refused_as_ = inner_->refused_as();
  return result;
}

std::string_view ProxyStream::refuse_late() {
  if (!header_.reading()) return inner_->refuse_late();  // the next layer's opening
  refused_as_ = Refusal::kProxyHeader;
  return header_.refuse_late(real_peer_);
}

std::string_view ProxyStream::peer() {
  if (!header_.open()) return inner_->peer();
  // The next layer was given the name, and adds to it (TLS: the client's).
  if (next_ != nullptr) return inner_->peer();
  if (peer_text_.empty()) peer_text_ = header_.name(inner_->peer());
  return peer_text_;
}

void* ProxiedPlainStream::operator new(size_t size) { return g_free_streams.take(size); }

void ProxiedPlainStream::operator delete(void* memory) noexcept { g_free_streams.give(memory); }

IoResult ProxiedPlainStream::read(std::span<char> buffer) {
  if (!header_.reading()) return PlainStream::read(buffer);
  if (header_.check_sender(address()) == Step::kRefused) return refused();
  IoResult result = read_header_then_data(
      header_, address(), buffer, [this](std::span<char> into) { return PlainStream::read(into); });
  return result.status == IoResult::kRefused ? refused() : result;
}

// Once open, the name the header gives replaces the socket's peer as the
// text PlainStream keeps (one string per stream, not two).
std::string_view ProxiedPlainStream::peer() {
  if (header_.open() && !named_) {
    name_peer(header_.name(PlainStream::peer()));
    named_ = true;
  }
  return PlainStream::peer();
}

}  // namespace ackd
