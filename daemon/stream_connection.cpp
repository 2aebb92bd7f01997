#include "daemon/stream_connection.h"

#include <sys/socket.h>

#include <cerrno>

#include "daemon/connection_set.h"

namespace ackd {

StreamConnection::StreamConnection(ConnectionSet& owner, UniqueFd fd, const SocketAddress& peer,
                                   const ServedListener& listener)
    : owner_(owner),
      fd_(std::move(fd)),
      peer_(peer),
      listener_(listener),
      framer_(listener.config->max_message) {}

void StreamConnection::start() {
  owner_.recorder().count_connection();
  deadline_ = owner_.now() + owner_.limits().idle_timeout;
  interest_ = EPOLLIN;
  // The message has usually arrived with the connection: serve it at once,
  // and join the event loop only if the connection outlives that (a
  // connection per message then costs no epoll_ctl at all).
  on_readable();
  if (state_ == State::kClosed) return;
  try {
    owner_.loop().add(fd_.get(), interest_, this);
  } catch (const std::system_error& e) {
    fail(e);
    return;
  }
  registered_ = true;
}

void StreamConnection::handle_event(uint32_t events) {
  if (state_ == State::kClosed) return;
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
    if (state_ == State::kLingering) {
      linger_read();
      return;
    }
    if (state_ == State::kReading) on_readable();
  }
  if (state_ != State::kClosed && (events & EPOLLOUT)) flush();
}

void StreamConnection::on_readable() {
  std::span<char> buffer = owner_.read_buffer();
  ssize_t n = recv(fd_.get(), buffer.data(), buffer.size(), 0);
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return;
    close();  // reset or other error: nobody left to answer
    return;
  }
  FrameStatus status;
  bool had_partial = framer_.has_partial();
  uint64_t messages_before = messages_;
  auto sink = [this](std::string_view message) { return on_message(message); };
  if (n == 0) {
    peer_eof_ = true;
    status = framer_.finish(sink);
  } else {
    status = framer_.feed(std::string_view(buffer.data(), static_cast<size_t>(n)), sink);
  }
  // More may be on its way: a full buffer, or lines beyond the last one served.
  if (static_cast<size_t>(n) == buffer.size() ||
      (status == FrameStatus::kStopped && framer_.dropped_input())) {
    peer_may_send_ = true;
  }
  if (status == FrameStatus::kTooLong) {
    reply_error(kErrTooLong);
  } else if (status == FrameStatus::kStopped || peer_eof_ ||
             (draining_ && messages_ > 0 && !framer_.has_partial())) {
    close_after_flush();
  }
  // The line left partial is the one that was partial before only if no
  // line ended in this read; else a new message started in it.
  if (state_ == State::kReading) refresh_deadline(had_partial && messages_ == messages_before);
  if (owner_.defer_replies() && out_.size() > out_sent_) {
    if (!flush_deferred_) owner_.defer_flush(this);
    flush_deferred_ = true;
    return;  // acks leave after the spool's commit (ServeLoop)
  }
  flush();
}

void StreamConnection::flush_deferred() {
  flush_deferred_ = false;
  if (state_ != State::kClosed) flush();
}

// Idle: no byte for idle_timeout. Slowloris: a started message must be
// complete within message_timeout of its first byte, however slowly it trickles.
void StreamConnection::refresh_deadline(bool same_partial) {
  if (!framer_.has_partial()) {
    deadline_ = owner_.now() + owner_.limits().idle_timeout;
  } else if (!same_partial) {
    deadline_ = owner_.now() + owner_.limits().message_timeout;
  }
}

bool StreamConnection::on_message(std::string_view message) {
  const ListenerConfig& config = *listener_.config;
  Recorder& recorder = owner_.recorder();
  recorder.record(config.name, recorder.wants_peer() ? peer_text() : std::string_view(), message);
  listener_.service->respond(message, out_);
  out_ += '\n';
  owner_.recorder().count_ack();
  ++messages_;
  return config.messages_per_connection == 0 || messages_ < config.messages_per_connection;
}

void StreamConnection::reply_error(std::string_view line) {
  peer_may_send_ = true;  // the rest of a line too long or too slow
  owner_.recorder().count_error();
  out_.append(line);
  out_ += '\n';
  close_after_flush();
}

// A connection that has not sent its first message yet is not idle: its
// client is about to speak (a reload must not fail it). It is served, then closed.
void StreamConnection::begin_drain() {
  draining_ = true;
  if (state_ == State::kLingering) {
    discard_input_and_close();
  } else if (state_ == State::kReading && messages_ > 0 && !framer_.has_partial()) {
    close_after_flush();
    flush();
  }
}

// Stopping: no lingering for the peer's EOF. What it already sent is read
// first, so the close is a FIN; only bytes arriving later could cause a reset.
void StreamConnection::discard_input_and_close() {
  std::span<char> buffer = owner_.read_buffer();
  while (recv(fd_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT) > 0) {
  }
  close();
}

void StreamConnection::close_after_flush() {
  if (state_ != State::kReading) return;
  state_ = State::kClosing;
  deadline_ = owner_.now() + owner_.limits().linger;  // for a peer that never reads
}

void StreamConnection::flush() {
  if (flush_deferred_) return;  // waiting for the spool's commit
  // Closing: the FIN that after_flush() sends rides on the last reply's
  // segment instead of a packet of its own.
  int flags = MSG_NOSIGNAL | (state_ == State::kClosing ? MSG_MORE : 0);
  while (out_sent_ < out_.size()) {
    ssize_t n = send(fd_.get(), out_.data() + out_sent_, out_.size() - out_sent_, flags);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      close();
      return;
    }
    out_sent_ += static_cast<size_t>(n);
  }
  if (out_sent_ == out_.size()) {
    out_.clear();
    out_sent_ = 0;
    after_flush();
  }
  if (state_ != State::kClosed) update_interest();
}

// All output is out: a closing connection sends its FIN now. With nothing
// unread, close() sends it; lingering (shutdown, then reading until the
// peer's EOF) is for a peer that may still be sending, whose next byte would
// otherwise meet a closed socket and draw a reset that can destroy the acks
// in flight (nginx's lingering_close "on" judges the same way).
void StreamConnection::after_flush() {
  if (state_ != State::kClosing) return;
  bool linger = peer_may_send_ || listener_.config->lingering_close == LingeringClose::kAlways;
  if (peer_eof_ || (!linger && !draining_)) {
    close();
    return;
  }
  shutdown(fd_.get(), SHUT_WR);
  if (draining_) {
    discard_input_and_close();
    return;
  }
  state_ = State::kLingering;
  deadline_ = owner_.now() + owner_.limits().linger;
}

void StreamConnection::linger_read() {
  std::span<char> buffer = owner_.read_buffer();
  ssize_t n = recv(fd_.get(), buffer.data(), buffer.size(), 0);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) close();  // EOF or error: the peer is done
}

void StreamConnection::update_interest() {
  uint32_t wanted = 0;
  bool backlog = out_.size() - out_sent_ > 0;
  if (state_ == State::kLingering) {
    wanted = EPOLLIN;
  } else if (state_ == State::kReading && out_.size() < owner_.limits().max_pending_output) {
    wanted = EPOLLIN;
  }
  if (backlog) wanted |= EPOLLOUT;
  if (wanted != interest_) {
    interest_ = wanted;
    try {
      if (registered_) owner_.loop().modify(fd_.get(), interest_, this);
    } catch (const std::system_error& e) {
      fail(e);
    }
  }
}

void StreamConnection::check_deadline(SteadyTime now) {
  if (now < deadline_ || state_ == State::kClosed) return;
  if (state_ == State::kReading && framer_.has_partial()) {
    reply_error(kErrMessageTimeout);
    flush();
  } else if (state_ == State::kReading) {
    discard_input_and_close();  // idle
  } else {
    close();  // lingering, or a peer that does not read its acks
  }
}

void StreamConnection::close() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  // close() leaves the epoll set by itself once no other process holds the
  // socket: one system call less per connection.
  if (registered_ && !owner_.fds_private()) owner_.loop().remove(fd_.get());
  fd_.reset();
  owner_.closed(this);
}

// epoll_ctl failed for this connection (ENOSPC at fs.epoll.max_user_watches,
// ENOMEM): it cannot be served, but the others can. It alone is closed.
void StreamConnection::fail(const std::system_error& error) {
  owner_.failed(listener_, error);
  close();
}

const std::string& StreamConnection::peer_text() {
  if (peer_text_.empty()) {
    // Unix stream clients are usually unnamed: name the socket they came through.
    peer_text_ = peer_.is_unnamed_unix() ? "unix:" + listener_.config->path : peer_.to_raw_string();
  }
  return peer_text_;
}

}  // namespace ackd
