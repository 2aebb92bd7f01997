#include "daemon/serve/stream_connection.h"

#include <optional>

#include "daemon/access/refusal_log.h"
#include "daemon/serve/count_refusal.h"
#include "daemon/serve/handle_message.h"

namespace ackd {

StreamConnection::StreamConnection(ConnectionOwner& owner, std::unique_ptr<ByteStream> stream,
                                   const ServedListener& listener)
    : owner_(owner),
      stream_(std::move(stream)),
      listener_(listener),
      framer_(listener.config->max_message) {}

void StreamConnection::start() {
  owner_.recorder().count_connection();
  ++listener_.meter.counts().connections;
  // A stream that opens first (a PROXY header) must open within message_timeout.
  opening_ = stream_->opening();
  deadline_ =
      owner_.now() + (opening_ ? owner_.limits().message_timeout : owner_.limits().idle_timeout);
  if (listener_.service->greet(out_)) {
    greet();
  } else {
    // The message has usually arrived with the connection: serve it at once,
    // and join the event loop only if the connection outlives that (a
    // connection per message then costs no epoll_ctl at all). The read sets
    // the events to watch.
    on_readable();
  }
  if (state_ == State::kClosed) return;
  try {
    owner_.loop().add(stream_->fd(), interest_, this);
  } catch (const std::system_error& e) {
    fail(e);
    return;
  }
  registered_ = true;
}

// A service that speaks first (an agent) says its line and closes; what
// the client sends (HAProxy's agent-send) is read until its end, so the
// close never resets the line in flight.
void StreamConnection::greet() {
  out_ += '\n';
  owner_.recorder().count_reply();
  peer_may_send_ = true;
  close_after_flush();
  flush();
}

void StreamConnection::handle_event(uint32_t events) {
  if (state_ == State::kClosed) return;
  Readiness ready = stream_->ready(events);
  if (ready.read) {
    if (state_ == State::kLingering) {
      linger_read();
      return;
    }
    if (state_ == State::kReading) on_readable();
  }
  if (state_ != State::kClosed && ready.write) flush();
}

void StreamConnection::on_readable() {
  std::span<char> buffer = owner_.read_buffer();
  IoResult read = stream_->read(buffer);
  if (opening_ && !stream_->opening()) {
    opening_ = false;  // open: idle_timeout from now
    deadline_ = owner_.now() + owner_.limits().idle_timeout;
    if (read.status != IoResult::kRefused && !source_admitted()) {
      reply_error(kErrTooManyConnections,
                  Refusal::kConnectionsPerSource);  // nothing it sent is served
      flush();
      return;
    }
  }
  if (read.status == IoResult::kWouldBlock) {
    update_interest();  // the stream may wait on another event now (TLS)
    return;
  }
  if (read.status == IoResult::kBroken) {
    close();  // reset or error: nobody left to answer
    return;
  }
  if (read.status == IoResult::kRefused) {
    std::string_view refusal = stream_->refusal();
    if (refusal.empty()) {  // nothing can be said (a failed TLS handshake)
      count_stream_refusal();
      close();
      return;
    }
    reply_error(refusal, stream_->refused_as());
    flush();
    return;
  }
  listener_.meter.counts().received_bytes += read.bytes;
  FrameStatus status;
  bool had_partial = framer_.has_partial();
  uint64_t messages_before = messages_;
  auto sink = [this](std::string_view message) { return on_message(message); };
  if (read.status == IoResult::kEnd) {
    peer_eof_ = true;
    status = framer_.finish(sink);
  } else {
    status = framer_.feed(std::string_view(buffer.data(), read.bytes), sink);
  }
  // More may be on its way: a full buffer, or lines beyond the last one served.
  if (read.bytes == buffer.size() || (status == FrameStatus::kStopped && framer_.dropped_input())) {
    peer_may_send_ = true;
  }
  if (status == FrameStatus::kTooLong) {
    reply_error(kErrTooLong);
  } else if (status == FrameStatus::kStopped || peer_eof_) {
    close_after_flush();
  }
  // The line left partial is the one that was partial before only if no
  // line ended in this read; else a new message started in it.
  if (state_ == State::kReading) refresh_deadline(had_partial && messages_ == messages_before);
  flush();
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

// The reply goes out at once unless it waits for a stage, or behind one
// that does.
bool StreamConnection::on_message(std::string_view message) {
  if (!rate_admits()) {
    reply_error(kErrRateLimited, Refusal::kMessageRate);
    return false;  // nothing after it is read: the connection closes
  }
  ++messages_;
  bool behind = holding();
  std::string& text = behind ? held_text_ : out_;
  size_t start = text.size();
  Ticket ticket = handle_message(
      listener_, owner_.recorder(), message, [this] { return stream_->peer(); }, this, text,
      behind ? ReplyOrder::kBehindHeld : ReplyOrder::kNext);
  text += '\n';
  if (ticket != 0 || behind) hold(ticket, text, start);
  const ListenerConfig& config = *listener_.config;
  return config.messages_per_connection == 0 || messages_ < config.messages_per_connection;
}

// The reply just appended to `text` (from `start` on) is held, in order.
void StreamConnection::hold(Ticket ticket, std::string& text, size_t start) {
  size_t size = text.size() - start;
  if (&text == &out_) {  // the first one held: nothing else is
    held_text_.append(out_, start, size);
    out_.resize(start);
  }
  held_.push_back(
      {ticket, static_cast<uint32_t>(size), ticket == 0, true, {}, owner_.loop().woke_at()});
}

void StreamConnection::settled(Ticket ticket, std::string_view error) {
  for (size_t i = held_head_; i < held_.size(); ++i) {
    HeldReply& reply = held_[i];
    if (reply.ticket != ticket || reply.settled) continue;
    reply.settled = true;
    reply.error = error;
    break;
  }
  release_settled();
  if (out_sent_ < out_.size() && !flush_queued_) {
    flush_queued_ = true;
    owner_.queue_flush(this);  // once per loop turn, however many settle
  }
}

// Settled replies at the head of the queue move to the output, in order.
// The queue starts over once it is empty (so it never allocates for a
// connection that holds nothing).
void StreamConnection::release_settled() {
  Recorder& recorder = owner_.recorder();
  std::optional<SteadyTime> released;  // read once, and only if a reply leaves
  while (held_head_ < held_.size() && held_[held_head_].settled) {
    HeldReply& reply = held_[held_head_];
    if (!reply.error.empty()) {
      out_ += "ERR ";
      out_ += reply.error;
      out_ += '\n';
      recorder.count_error();
      ++listener_.meter.counts().errors;
    } else {
      out_.append(held_text_, held_start_, reply.size);
      if (reply.is_ack) {
        recorder.count_reply();
        ++listener_.meter.counts().replies;
        if (!released) released = std::chrono::steady_clock::now();
        listener_.meter.reply_released(reply.received, *released);
      }
    }
    held_start_ += reply.size;
    ++held_head_;
  }
  if (held_head_ == held_.size()) {
    held_.clear();
    held_head_ = 0;
    held_text_.clear();
    held_start_ = 0;
  }
}

void StreamConnection::flush_released() {
  flush_queued_ = false;
  if (state_ != State::kClosed) flush();
}

// max_messages_per_second_per_source: a message over its source's rate is
// answered with ERR, never acked nor recorded.
bool StreamConnection::rate_admits() {
  const SourceLimits& limits = listener_.config->source_limits;
  if (limits.messages_per_second == 0 || listener_.rates == nullptr) return true;
  const SocketAddress* source = stream_->source();
  if (source == nullptr) return true;
  if (listener_.rates->admit(*source, limits.messages_per_second, limits.burst(),
                             std::chrono::steady_clock::now())) {
    return true;
  }
  log_refusal(listener_.config->name, *source, "over max_messages_per_second_per_source");
  return false;
}

// max_connections_per_source behind a PROXY header: the client the header
// names is counted once the stream is open (the header, and a TLS handshake
// after it, done), before any of its messages is served.
bool StreamConnection::count_opened_source() {
  const ListenerConfig& config = *listener_.config;
  const SocketAddress* client = stream_->source();
  if (client == nullptr) return true;
  if (owner_.count_source(*this, *client, config.source_limits.max_connections)) return true;
  log_refusal(config.name, *client, "over max_connections_per_source");
  return false;
}

// The stream's opening refused the client (PROXY, TLS): a refusal, not an error.
void StreamConnection::count_stream_refusal() {
  count_refusal(owner_.recorder(), listener_, stream_->refused_as());
}

void StreamConnection::reply_error(std::string_view line, std::optional<Refusal> refused) {
  peer_may_send_ = true;  // the rest of a line too long or too slow
  if (refused) {
    count_refusal(owner_.recorder(), listener_, *refused);
  } else {
    owner_.recorder().count_error();
    ++listener_.meter.counts().errors;
  }
  if (!holding()) {
    out_.append(line);
    out_ += '\n';
  } else {
    held_text_.append(line);
    held_text_ += '\n';
    held_.push_back(
        {0, static_cast<uint32_t>(line.size() + 1), true, false, {}, owner_.loop().woke_at()});
  }
  close_after_flush();
}

// Draining: the connection closes with the next ack that leaves, the FIN
// in its segment, so a client that looks for the close before it sends
// again never sends into a closing connection. One idle between messages
// is closed now when the daemon stops; when it is retired (another serves
// the client next) it stays open until it speaks, or shutdown_timeout.
void StreamConnection::begin_drain(bool keep_idle) {
  draining_ = true;
  if (state_ != State::kReading) return;
  bool idle = answered_everything() && out_sent_ == out_.size() && messages_ > 0;
  if (idle && !keep_idle && !stream_->input_waiting()) {
    discard_input_and_close();
    return;
  }
  flush();
}

bool StreamConnection::answered_everything() const { return !framer_.has_partial() && !holding(); }

// Right before the last released ack goes out: if nothing else is to be
// answered, it carries the FIN. On TCP the FIN rides in the ack's segment
// (MSG_MORE, then shutdown), so a client sees both at once. A unix socket
// has no segments: the client may read the ack before the shutdown; so the
// stream refuses input first (a send from the client now fails with EPIPE,
// and it knows that message was not delivered: see
// ByteStream::refuse_input), and what was already queued is served before
// the close.
void StreamConnection::close_if_draining() {
  if (!draining_ || state_ != State::kReading || !answered_everything()) return;
  if (out_sent_ == out_.size()) return;
  stream_->refuse_input();
  if (stream_->input_waiting()) return;
  close_after_flush();
}

void StreamConnection::close_after_flush() {
  if (state_ != State::kReading) return;
  state_ = State::kClosing;
  deadline_ = owner_.now() + owner_.limits().linger;  // for a peer that never reads
}

void StreamConnection::flush() {
  close_if_draining();
  // Closing: the FIN that after_flush() sends rides on the last reply's
  // segment instead of a packet of its own.
  bool last = state_ == State::kClosing && !holding();
  while (out_sent_ < out_.size()) {
    IoResult written = stream_->write({out_.data() + out_sent_, out_.size() - out_sent_}, last);
    if (written.status == IoResult::kWouldBlock) break;
    if (written.status != IoResult::kDone) {
      close();
      return;
    }
    out_sent_ += written.bytes;
    listener_.meter.counts().sent_bytes += written.bytes;
  }
  if (out_sent_ == out_.size()) {
    out_.clear();
    out_sent_ = 0;
    after_flush();
  }
  if (state_ != State::kClosed) update_interest();
}

// All output is out: a closing connection sends its FIN now (once no reply
// is still held). With nothing unread, close() sends it; lingering
// (shutdown, then reading until the peer's EOF) is for a peer that may
// still be sending, whose next byte would otherwise meet a closed socket and
// draw a reset that can destroy the acks in flight (nginx's lingering_close
// "on" judges the same way). Draining changes nothing here: a client that
// waits for each ack sees the FIN with it and sends nothing more.
void StreamConnection::after_flush() {
  if (state_ != State::kClosing || holding()) return;
  bool linger = peer_may_send_ || listener_.config->lingering_close == LingeringClose::kAlways;
  if (peer_eof_ || !linger) {
    close();
    return;
  }
  stream_->shutdown_write();
  state_ = State::kLingering;
  deadline_ = owner_.now() + owner_.limits().linger;
}

void StreamConnection::linger_read() {
  IoResult read = stream_->read(owner_.read_buffer());
  if (read.status != IoResult::kDone && read.status != IoResult::kWouldBlock) {
    close();  // the peer is done
  } else if (read.status == IoResult::kWouldBlock) {
    update_interest();
  }
}

// Stopping without a reply to carry the FIN (a deadline passed): what the
// client already sent is read first, so the close is a FIN, not a reset.
void StreamConnection::discard_input_and_close() {
  stream_->discard_input(owner_.read_buffer());
  close();
}

void StreamConnection::update_interest() {
  size_t unsent = out_.size() - out_sent_;
  size_t pending = unsent + held_text_.size() - held_start_;
  bool read = state_ == State::kLingering ||
              (state_ == State::kReading && pending < owner_.limits().max_pending_output &&
               !owner_.recorder().saturated());
  uint32_t wanted = stream_->interest(read, /*write=*/unsent > 0);
  if (wanted != interest_) {
    interest_ = wanted;
    try {
      if (registered_) owner_.loop().modify(stream_->fd(), interest_, this);
    } catch (const std::system_error& e) {
      fail(e);
    }
  }
}

void StreamConnection::check_deadline(SteadyTime now) {
  if (now < deadline_ || state_ == State::kClosed) return;
  if (state_ == State::kReading && opening_) {
    opening_ = false;
    std::string_view refusal = stream_->refuse_late();
    if (refusal.empty()) {
      count_stream_refusal();
      discard_input_and_close();
      return;
    }
    reply_error(refusal, stream_->refused_as());
    flush();
  } else if (state_ == State::kReading && framer_.has_partial()) {
    reply_error(kErrMessageTimeout);
    flush();
  } else if (state_ == State::kReading && !holding()) {
    discard_input_and_close();  // idle
  } else if (state_ != State::kReading) {
    close();  // lingering, or a peer that does not read its acks
  }
}

void StreamConnection::close() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  // close() leaves the epoll set by itself once no other process holds the
  // socket: one system call less per connection.
  if (registered_ && !owner_.fds_private()) owner_.loop().remove(stream_->fd());
  stream_->close();
  for (size_t i = held_head_; i < held_.size(); ++i) {
    if (!held_[i].settled) owner_.recorder().gate().forget(held_[i].ticket);
  }
  held_.clear();
  held_head_ = 0;
  owner_.closed(this);
}

// epoll_ctl failed for this connection (ENOSPC at fs.epoll.max_user_watches,
// ENOMEM): it cannot be served, but the others can. It alone is closed.
void StreamConnection::fail(const std::system_error& error) {
  owner_.failed(listener_, error);
  close();
}

}  // namespace ackd
