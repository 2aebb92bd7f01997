#include "daemon/transport/plain_stream.h"

#include <sys/socket.h>

#include <cerrno>

#include "daemon/transport/free_blocks.h"

namespace ackd {
namespace {
FreeBlocks g_free_streams;
}  // namespace

void* PlainStream::operator new(size_t size) { return g_free_streams.take(size); }

void PlainStream::operator delete(void* memory) noexcept { g_free_streams.give(memory); }

PlainStream::PlainStream(UniqueFd fd, const SocketAddress& peer, const std::string& listener_path)
    : fd_(std::move(fd)), peer_(peer), listener_path_(listener_path) {}

// EINTR is not retried (nor could it come, the socket being non-blocking):
// the socket is level-triggered, so the loop comes back to it.
IoResult PlainStream::read(std::span<char> buffer) {
  ssize_t n = recv(fd_.get(), buffer.data(), buffer.size(), 0);
  if (n > 0) return {IoResult::kDone, static_cast<size_t>(n)};
  if (n == 0) return {IoResult::kEnd};
  return {errno == EAGAIN || errno == EINTR ? IoResult::kWouldBlock : IoResult::kBroken};
}

IoResult PlainStream::peek(std::span<char> buffer) {
  ssize_t n = recv(fd_.get(), buffer.data(), buffer.size(), MSG_PEEK);
  if (n > 0) return {IoResult::kDone, static_cast<size_t>(n)};
  if (n == 0) return {IoResult::kEnd};
  return {errno == EAGAIN || errno == EINTR ? IoResult::kWouldBlock : IoResult::kBroken};
}

IoResult PlainStream::write(std::string_view data, bool fin_follows) {
  int flags = MSG_NOSIGNAL | (fin_follows ? MSG_MORE : 0);
  ssize_t n = send(fd_.get(), data.data(), data.size(), flags);
  if (n >= 0) return {IoResult::kDone, static_cast<size_t>(n)};
  return {errno == EAGAIN || errno == EINTR ? IoResult::kWouldBlock : IoResult::kBroken};
}

void PlainStream::shutdown_write() { shutdown(fd_.get(), SHUT_WR); }

// On a unix socket a send to a socket shut for reading fails with EPIPE.
void PlainStream::refuse_input() {
  if (peer_.family() == AF_UNIX) shutdown(fd_.get(), SHUT_RD);
}

bool PlainStream::input_waiting() const {
  char byte;
  return recv(fd_.get(), &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

void PlainStream::discard_input(std::span<char> scratch) {
  while (recv(fd_.get(), scratch.data(), scratch.size(), MSG_DONTWAIT) > 0) {
  }
}

std::string_view PlainStream::peer() {
  if (peer_text_.empty()) {
    // Unix stream clients are usually unnamed: name the socket they came through.
    peer_text_ = peer_.is_unnamed_unix() ? "unix:" + listener_path_ : peer_.to_raw_string();
  }
  return peer_text_;
}

}  // namespace ackd
