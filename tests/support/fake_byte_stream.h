// FakeByteStream: a ByteStream for unit tests of what sits above the seam
// (StreamConnection, and the layers to come). The test holds the stream's
// FakeStreamScript, which outlives the stream: it scripts the input
// (chunks, then an end), limits how much the writes take, and keeps what
// was written and which calls were made. The stream's fd is an eventfd, so
// a real EventLoop watches it: readable while scripted input waits, always
// writable. FakeTransport hands out the streams a test prepared.
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>

#include "common/unique_fd.h"
#include "daemon/transport/byte_stream.h"
#include "daemon/transport/stream_transport.h"

namespace ackd {

class FakeStreamScript {
 public:
  FakeStreamScript() : event(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

  // The client sends a chunk (each chunk is one read), or ends its output.
  void client_sends(std::string chunk) {
    input.push_back(std::move(chunk));
    signal_input(true);
  }
  void client_ends() {
    input_ended = true;
    signal_input(true);
  }
  // The next read waits for the other direction first, as SSL_read may.
  void block_reads_until_writable() { blocked_on_write = true; }
  // How many bytes the writes take in all from now on (the rest: kWouldBlock).
  void set_write_room(size_t room) { write_room = room; }

  // What the server did.
  std::string written;
  bool fin_follows_last_write = false;
  bool output_shut = false;
  bool input_refused = false;
  bool input_discarded = false;
  bool closed = false;
  int reads = 0;
  std::string peer_name = "192.0.2.7:4242";

  // The stream's state.
  UniqueFd event;
  std::deque<std::string> input;
  bool input_ended = false;
  bool blocked_on_write = false;
  size_t write_room = SIZE_MAX;

  // Readable (for epoll) while input or its end waits to be read.
  void signal_input(bool readable) {
    uint64_t count = 1;
    if (readable == signalled_ || !event) return;
    ssize_t n = readable ? ::write(event.get(), &count, sizeof(count))
                         : ::read(event.get(), &count, sizeof(count));
    if (n == sizeof(count)) signalled_ = readable;
  }

 private:
  bool signalled_ = false;
};

class FakeByteStream final : public ByteStream {
 public:
  explicit FakeByteStream(std::shared_ptr<FakeStreamScript> script) : s_(std::move(script)) {}

  int fd() const override { return s_->event.get(); }

  IoResult read(std::span<char> buffer) override {
    ++s_->reads;
    if (s_->blocked_on_write) {  // retried once writable (ready() on EPOLLOUT)
      bool retried = read_waits_on_ == EPOLLOUT;
      read_waits_on_ = retried ? EPOLLIN : EPOLLOUT;
      s_->blocked_on_write = !retried;
      if (!retried) return {IoResult::kWouldBlock};
    }
    if (s_->input.empty()) {
      if (s_->input_ended) return {IoResult::kEnd};
      s_->signal_input(false);
      return {IoResult::kWouldBlock};
    }
    std::string& chunk = s_->input.front();
    size_t n = std::min(chunk.size(), buffer.size());
    std::copy_n(chunk.data(), n, buffer.data());
    chunk.erase(0, n);
    if (chunk.empty()) s_->input.pop_front();
    if (s_->input.empty() && !s_->input_ended) s_->signal_input(false);
    return {IoResult::kDone, n};
  }

  IoResult write(std::string_view data, bool fin_follows) override {
    size_t n = std::min(data.size(), s_->write_room);
    if (n == 0) return {IoResult::kWouldBlock};
    s_->write_room -= n;
    s_->written.append(data.substr(0, n));
    s_->fin_follows_last_write = fin_follows;
    return {IoResult::kDone, n};
  }

  void shutdown_write() override { s_->output_shut = true; }
  void refuse_input() override { s_->input_refused = true; }
  bool input_waiting() const override { return !s_->input.empty(); }
  void discard_input(std::span<char> /*scratch*/) override {
    s_->input_discarded = true;
    s_->input.clear();
  }
  void close() override {
    s_->closed = true;
    s_->event.reset();
  }
  std::string_view peer() override { return s_->peer_name; }

 private:
  std::shared_ptr<FakeStreamScript> s_;
};

// Opens the streams a test prepared, in order.
class FakeTransport final : public StreamTransport {
 public:
  std::shared_ptr<FakeStreamScript> prepare() {
    next_ = std::make_shared<FakeStreamScript>();
    return next_;
  }
  std::unique_ptr<ByteStream> open(UniqueFd /*fd*/, const SocketAddress& /*peer*/) const override {
    return std::make_unique<FakeByteStream>(std::move(next_));
  }

 private:
  mutable std::shared_ptr<FakeStreamScript> next_;
};

}  // namespace ackd
