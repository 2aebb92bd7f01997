#include "client/stream_exchange.h"

#include <poll.h>
#include <sys/socket.h>

#include "client/ack_lines.h"
#include "client/client_error.h"
#include "client/exit_codes.h"
#include "common/syscall.h"

namespace ackd::client {
namespace {

// One exchange: writes and reads in one poll loop, so a long batch of
// messages cannot deadlock with the server's acks filling our buffer.
class StreamExchange {
 public:
  StreamExchange(ClientStream& stream, const SocketAddress& peer,
                 const std::vector<std::string>& messages, const Deadline& deadline,
                 const AckHandler& on_ack, std::string_view preamble);
  size_t run();

 private:
  void send_some();
  void receive_some();
  void check_complete();
  void close_gracefully();
  [[noreturn]] void throw_timeout();

  ClientStream& stream_;
  const SocketAddress& peer_;
  const Deadline& deadline_;
  const AckHandler& on_ack_;
  std::string out_;  // the preamble, then every message with its LF
  size_t written_ = 0;
  size_t expected_ = 0;
  size_t acks_ = 0;
  AckLines lines_;
  bool eof_ = false;
  bool reset_ = false;
};

StreamExchange::StreamExchange(ClientStream& stream, const SocketAddress& peer,
                               const std::vector<std::string>& messages, const Deadline& deadline,
                               const AckHandler& on_ack, std::string_view preamble)
    : stream_(stream),
      peer_(peer),
      deadline_(deadline),
      on_ack_(on_ack),
      out_(preamble),
      expected_(messages.size()) {
  for (const auto& message : messages) out_ += message + '\n';
}

size_t StreamExchange::run() {
  while (acks_ < expected_ && !eof_) {
    // TLS: a read may wait for room to write (extra), and is retried on it.
    short extra = stream_.extra_poll_events();
    short events = POLLIN | (written_ < out_.size() ? POLLOUT : 0) | extra;
    short revents = poll_until(stream_.fd(), events, deadline_);
    if (revents == 0) throw_timeout();
    if ((revents & POLLOUT) && written_ < out_.size()) send_some();
    if (revents & (POLLIN | POLLHUP | POLLERR | extra)) receive_some();
  }
  check_complete();
  if (!eof_) close_gracefully();
  return acks_;
}

void StreamExchange::send_some() {
  ssize_t n = stream_.send(out_.data() + written_, out_.size() - written_);
  if (n >= 0) {
    written_ += static_cast<size_t>(n);
  } else if (errno == EPIPE || errno == ECONNRESET) {
    written_ = out_.size();  // the server closed: go on reading what it said before
  } else if (errno != EAGAIN && errno != EINTR) {
    throw_errno("send", peer_.to_string());
  }
}

void StreamExchange::receive_some() {
  char buffer[16384];
  ssize_t n = stream_.recv(buffer, sizeof(buffer));
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n < 0 && errno != ECONNRESET) throw_errno("recv", peer_.to_string());
  if (n <= 0) {
    eof_ = true;
    reset_ = n < 0;
    return;
  }
  lines_.append(std::string_view(buffer, static_cast<size_t>(n)));
  while (acks_ < expected_) {
    auto line = lines_.next();
    if (!line) break;
    ++acks_;  // counted first: a throwing handler still saw it
    on_ack_(*line);
  }
}

// After EOF: a final ack without LF counts (unless the connection was reset,
// which may have cut it short). A clean close after some acks leaves the
// rest to a new connection; a reset, or a close before any ack, is an error.
void StreamExchange::check_complete() {
  if (acks_ < expected_ && eof_ && !reset_ && !lines_.rest().empty()) {
    ++acks_;
    on_ack_(lines_.rest());
  }
  if (acks_ == expected_ || (acks_ > 0 && !reset_)) return;
  if (acks_ == 0) {
    throw ClientError(kExitProtocol, reset_ ? "connection reset by the server"
                                            : "connection closed before the ack");
  }
  throw ClientError(kExitProtocol, std::string("connection ") + (reset_ ? "reset" : "closed") +
                                       " by the server after " + std::to_string(acks_) + " of " +
                                       std::to_string(expected_) + " acks");
}

// Every ack is in: let the server close first, within the deadline. Whatever
// happens now, the exchange has succeeded.
void StreamExchange::close_gracefully() {
  if (stream_.shutdown_write() != 0) return;
  char buffer[4096];
  while (poll_until(stream_.fd(), POLLIN, deadline_) != 0) {
    ssize_t n = stream_.recv(buffer, sizeof(buffer));
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return;
  }
}

void StreamExchange::throw_timeout() {
  std::string what =
      acks_ == 0 ? "no ack"
                 : "only " + std::to_string(acks_) + " of " + std::to_string(expected_) + " acks";
  throw ClientError(kExitTimeout, what + " from " + peer_.to_string() + " within " +
                                      format_duration(deadline_.budget()));
}

}  // namespace

size_t stream_exchange(ClientStream& stream, const SocketAddress& peer,
                       const std::vector<std::string>& messages, const Deadline& deadline,
                       const AckHandler& on_ack, std::string_view preamble) {
  return StreamExchange(stream, peer, messages, deadline, on_ack, preamble).run();
}

}  // namespace ackd::client
