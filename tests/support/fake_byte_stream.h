// FakeByteStream: a ByteStream for unit tests of what sits above the seam
// (StreamConnection, and the layers to come). The test scripts the input
// (chunks, then an end), limits how much each write takes, and reads back
// what was written and which calls were made. Its fd is an eventfd, so a
// real EventLoop watches it: readable while scripted input waits, always
// writable. FakeTransport hands out the streams a test prepared.
#pragma once

#include <sys/eventfd.h>

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

class FakeByteStream final : public ByteStream {
 public:
  FakeByteStream() : event_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

  // Script: bytes the client sends (each chunk is one read), its end, and
  // whether reading waits for the other direction first (as TLS may).
  void client_sends(std::string chunk) {
    input_.push_back(std::move(chunk));
    signal_input();
  }
  void client_ends() {
    input_ended_ = true;
    signal_input();
  }
  void block_reads_until_writable() { blocked_on_write_ = true; }
  // How many bytes the next writes take in all (the rest: kWouldBlock).
  void set_write_room(size_t room) { write_room_ = room; }

  // What happened.
  std::string written;
  bool fin_follows_last_write = false;
  bool output_shut = false;
  bool input_refused = false;
  bool input_discarded = false;
  bool closed = false;
  int reads = 0;
  std::string peer_name = "192.0.2.7:4242";

  int fd() const override { return event_.get(); }

  IoResult read(std::span<char> buffer) override {
    ++reads;
    if (blocked_on_write_) {  // as SSL_read wanting to write: retried once writable
      bool retried = read_waits_on_ == EPOLLOUT;
      read_waits_on_ = retried ? EPOLLIN : EPOLLOUT;
      blocked_on_write_ = !retried;
      if (!retried) return {IoResult::kWouldBlock};
    }
    if (input_.empty()) {
      if (input_ended_) return {IoResult::kEnd};
      clear_input_signal();
      return {IoResult::kWouldBlock};
    }
    std::string& chunk = input_.front();
    size_t n = std::min(chunk.size(), buffer.size());
    std::copy_n(chunk.data(), n, buffer.data());
    chunk.erase(0, n);
    if (chunk.empty()) input_.pop_front();
    if (input_.empty() && !input_ended_) clear_input_signal();
    return {IoResult::kDone, n};
  }

  IoResult write(std::string_view data, bool fin_follows) override {
    size_t n = std::min(data.size(), write_room_);
    if (n == 0) return {IoResult::kWouldBlock};
    write_room_ -= n;
    written.append(data.substr(0, n));
    fin_follows_last_write = fin_follows;
    return {IoResult::kDone, n};
  }

  void shutdown_write() override { output_shut = true; }
  void refuse_input() override { input_refused = true; }
  bool input_waiting() const override { return !input_.empty(); }
  void discard_input(std::span<char> /*scratch*/) override {
    input_discarded = true;
    input_.clear();
  }
  void close() override {
    closed = true;
    event_.reset();
  }
  std::string_view peer() override { return peer_name; }

 private:
  void signal_input() {
    uint64_t one = 1;
    if (!signalled_ && ::write(event_.get(), &one, sizeof(one)) == sizeof(one)) signalled_ = true;
  }
  void clear_input_signal() {
    uint64_t count;
    if (signalled_ && ::read(event_.get(), &count, sizeof(count)) == sizeof(count)) {
      signalled_ = false;
    }
  }

  UniqueFd event_;
  std::deque<std::string> input_;
  bool input_ended_ = false;
  bool blocked_on_write_ = false;
  bool signalled_ = false;
  size_t write_room_ = SIZE_MAX;
};

// Opens the streams a test made beforehand, in order; the test keeps a
// pointer to each (the connection owns it).
class FakeTransport final : public StreamTransport {
 public:
  FakeByteStream* prepare() {
    next_ = std::make_unique<FakeByteStream>();
    return next_.get();
  }
  std::unique_ptr<ByteStream> open(UniqueFd /*fd*/, const SocketAddress& /*peer*/) const override {
    return std::move(next_);
  }

 private:
  mutable std::unique_ptr<FakeByteStream> next_;
};

}  // namespace ackd
